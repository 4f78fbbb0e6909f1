package engine

// This file defines how a debugger's run numbers the futures it starts
// as the instance did: from the sequence number the instance was at
// after the version the run starts from.

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/wf-lang/wf/compiler"
)

// seqMention matches a sequence number a reason or a futures' record
// names: "(seq 3", "(seq 3 to 8)", `"seq":3`.
var seqMention = regexp.MustCompile(`\(seq (\d+)(?: to (\d+))?|"seq":(\d+)`)

// nextSeqAt is instance h's next sequence number after version v: at
// the head, the instance's own; else one past every number the history
// up to v names, the calls v's machine waits on and the futures it
// carries. Every number taken by then is one of those: a future that
// ran or was cancelled is named by a version, one still pending is
// carried, an activity call is named once it ends or is v's own.
func (e *Engine) nextSeqAt(ctx context.Context, prog *compiler.Program, h Head, v Version) (int64, error) {
	if v.Number == h.Version {
		return h.NextSeq, nil
	}
	hist, err := e.store.History(ctx, h.ID)
	if err != nil {
		return 0, err
	}
	last := int64(0)
	for _, w := range hist {
		if w.Number > v.Number {
			break
		}
		_, record, _ := cutFutures(strings.SplitN(w.Detail, nowMark, 2)[0]) // not the values: a signal's may say "seq"
		for _, m := range seqMention.FindAllStringSubmatch(w.Reason+" "+record, -1) {
			for _, n := range m[1:] {
				if k, err := strconv.ParseInt(n, 10, 64); err == nil {
					last = max(last, k)
				}
			}
		}
	}
	return max(last, v.ActivitySeq, e.pendingSeqs(ctx, prog, h.Instance, v)) + 1, nil
}

// pendingSeqs is the highest sequence number version v's machine holds:
// its parallel() call's last, or a future it carries; 0 for none.
func (e *Engine) pendingSeqs(ctx context.Context, prog *compiler.Program, in Instance, v Version) int64 {
	r, err := e.machine(ctx, prog, in, v.Snapshot)
	if err != nil {
		return 0
	}
	defer r.cancel()
	susp, ok := r.m.Pending()
	if !ok {
		return 0
	}
	call, err := ParseCall(susp)
	if err != nil {
		return 0
	}
	var last int64
	for _, f := range call.futures {
		last = max(last, f.seq)
	}
	if call.Kind == CallParallel && v.ActivitySeq > 0 {
		last = max(last, v.ActivitySeq+int64(len(call.parallel.calls))-1)
	}
	return last
}
