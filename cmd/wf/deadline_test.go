package main

import (
	"testing"
	"time"

	"github.com/wf-lang/wf/engine"
)

// TestDescribeAt: deadlines are told in UTC, and how far from now.
func TestDescribeAt(t *testing.T) {
	now := time.Date(2026, 11, 30, 18, 22, 0, 0, time.UTC)
	due := time.Date(2026, 11, 30, 20, 35, 0, 0, time.UTC)
	east := time.FixedZone("east", 5*3600)
	for _, c := range []struct {
		in   engine.Instance
		now  time.Time
		want string
	}{
		{engine.Instance{Status: engine.Waiting, WaitingFor: "approval", Due: due.In(east)}, now,
			"waiting for approval (times out 2026-11-30 20:35:00 UTC, in 2h13m)"},
		{engine.Instance{Status: engine.Waiting, WaitingFor: "approval"}, now, "waiting for approval"},
		{engine.Instance{Status: engine.Sleeping, Due: due}, due.Add(65 * time.Second), "sleeping until 2026-11-30 20:35:00 UTC, overdue by 1m05s"},
		{engine.Instance{Status: engine.Sleeping, Due: due}, time.Time{}, "sleeping until 2026-11-30 20:35:00 UTC"},
		{engine.Instance{Status: engine.Sleeping, Due: due}, due.Add(-(3*24*time.Hour + 4*time.Hour + 400*time.Millisecond)), "sleeping until 2026-11-30 20:35:00 UTC, in 3d4h"},
		{engine.Instance{Status: engine.Sleeping, Due: due}, due.Add(-41600 * time.Millisecond), "sleeping until 2026-11-30 20:35:00 UTC, in 42s"},
		{engine.Instance{Status: engine.Failed, Error: "boom\nat line 2"}, now, "failed: boom"},
		{engine.Instance{Status: engine.Completed}, now, "completed"},
	} {
		if got := describeAt(c.in, c.now); got != c.want {
			t.Errorf("describeAt(%+v, %v) = %q; want %q", c.in, c.now, got, c.want)
		}
	}
}
