package main

// This file defines how the CLI describes an instance's state with its
// deadline: the due time of a sleep or of a wait's timeout, in UTC, and
// how far it is from now.

import (
	"fmt"
	"time"

	"github.com/wf-lang/wf/engine"
)

// describeAt describes where in stands; its deadline, if it has one, is
// told as of now, or as a time alone when now is zero (a past version's
// state, in wf history).
func describeAt(in engine.Instance, now time.Time) string {
	switch in.Status {
	case engine.Waiting:
		if in.Due.IsZero() {
			return "waiting for " + waitNames(in.WaitingFor)
		}
		return fmt.Sprintf("waiting for %s (times out %s)", waitNames(in.WaitingFor), dueText(in.Due, now))
	case engine.Sleeping:
		return "sleeping until " + dueText(in.Due, now)
	case engine.Failed:
		return "failed: " + firstLine(in.Error)
	}
	return string(in.Status)
}

// dueText tells the due time t in UTC, and with now, how far it is:
// "2026-11-30 20:35:00 UTC, in 2h13m", or "…, overdue by 5s" once past
// (no worker has fired it yet).
func dueText(t, now time.Time) string {
	at := t.UTC().Format(time.DateTime) + " UTC"
	switch d := t.Sub(now); {
	case now.IsZero():
		return at
	case d >= 0:
		return at + ", in " + roughly(d)
	default:
		return at + ", overdue by " + roughly(-d)
	}
}

// roughly tells d to the second, with its two largest units: 3d4h,
// 2h13m, 5m07s, 42s.
func roughly(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	switch {
	case s >= 86400:
		return fmt.Sprintf("%dd%dh", s/86400, s%86400/3600)
	case s >= 3600:
		return fmt.Sprintf("%dh%02dm", s/3600, s%3600/60)
	case s >= 60:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	}
	return fmt.Sprintf("%ds", s)
}
