package bench

// This file defines the report's machine description and its text table.

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
)

// Machine describes where a report was measured.
type Machine struct {
	CPU   string `json:"cpu"`
	CPUs  int    `json:"cpus"`
	Go    string `json:"go"`
	OSArc string `json:"os_arch"`
}

// ThisMachine describes the running machine.
func ThisMachine() Machine {
	cpu := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return Machine{CPU: cpu, CPUs: runtime.NumCPU(), Go: runtime.Version(), OSArc: runtime.GOOS + "/" + runtime.GOARCH}
}

// fmtNs formats a duration in nanoseconds with three significant digits.
func fmtNs(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.3gs", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.3gms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.3gµs", ns/1e3)
	}
	return fmt.Sprintf("%.3gns", ns)
}

func fmtRatio(x float64) string {
	if x == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", x)
}

// WriteTable writes r as a Markdown table of medians per operation, the
// ratios wf/best-peer and wf/go, the bar and wf's shortfalls against it.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "machine: %s, %d CPUs, %s %s; %d interleaved rounds, medians of %s time per operation\n\n",
		r.Machine.CPU, r.Machine.CPUs, r.Machine.Go, r.Machine.OSArc, r.Rounds, r.Clock)
	tw := tabwriter.NewWriter(w, 0, 0, 1, ' ', tabwriter.Debug)
	var head []string
	head = append(head, "workload")
	if len(r.Rows) > 0 {
		for _, c := range r.Rows[0].Cells {
			head = append(head, c.Engine)
		}
	}
	head = append(head, "wf/best peer", "wf/go", "bar", "shortfall")
	row(tw, head)
	seps := make([]string, len(head))
	for i := range seps {
		seps[i] = "---"
	}
	row(tw, seps)
	for _, x := range r.Rows {
		cols := []string{x.Workload}
		for _, c := range x.Cells {
			cols = append(cols, cellText(c))
		}
		short := "none"
		if len(x.Shortfall) > 0 {
			short = "**" + strings.Join(x.Shortfall, "; ") + "**"
		}
		cols = append(cols, fmtRatio(x.VsPeer), fmtRatio(x.VsNative), x.Bar, short)
		row(tw, cols)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, x := range r.Rows {
		if x.PerItem > 0 {
			fmt.Fprintf(w, "\n%s: wf %.1f ns per resume+yield pair", x.Workload, x.PerItem)
			for _, c := range x.Cells {
				if !c.NA && c.Engine != "wf" {
					fmt.Fprintf(w, ", %s %.1f", c.Engine, c.Median/float64(x.N))
				}
			}
		}
		if x.Workload == "dump" {
			for _, c := range x.Cells {
				if c.Engine == "wf" && !c.NA {
					fmt.Fprintf(w, "\ndump: wf snapshot of the suspended approval generator is %d bytes", c.Result)
				}
			}
		}
	}
	_, err := fmt.Fprintln(w)
	return err
}

func cellText(c *Cell) string {
	if c.NA {
		return "n/a"
	}
	return fmtNs(c.Median)
}

// row writes one Markdown table row; tabwriter.Debug draws the bars
// between columns.
func row(w io.Writer, cols []string) {
	fmt.Fprintf(w, "| %s\t\n", strings.Join(cols, "\t"))
}
