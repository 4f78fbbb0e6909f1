package engine

// This file defines what wf show says an instance in await waits for:
// the awaited future's activity and its next attempt, rather than the
// timer or activity call its status alone would suggest.

import (
	"context"
	"fmt"
	"time"

	"github.com/wf-lang/wf/compiler"
)

// describeAwait describes the future that the machine in snap awaits,
// if it awaits one: "future quote (seq 2): attempt 3 due ...".
func (e *Engine) describeAwait(ctx context.Context, prog *compiler.Program, in Instance, snap []byte) (string, bool) {
	r, err := e.machine(ctx, prog, in, snap)
	if err != nil {
		return "", false
	}
	defer r.cancel()
	susp, ok := r.m.Pending()
	if !ok {
		return "", false
	}
	call, err := ParseCall(susp)
	if err != nil || call.Kind != CallAwait {
		return "", false
	}
	return awaitWait(call.await), true
}

// awaitWait describes the awaited future f's next attempt.
func awaitWait(f *future) string {
	if f.attempt == 0 {
		return fmt.Sprintf("future %s: its first attempt", f.name())
	}
	return fmt.Sprintf("future %s: attempt %d due %s", f.name(), f.attempt+1, f.dueAt().UTC().Format(time.RFC3339))
}
