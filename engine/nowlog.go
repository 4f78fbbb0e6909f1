package engine

// This file defines the record of what now() returned during a step, kept
// in the step's version so that a replay of the step (wf debug from the
// version before, CheckHistory) gets the same times again.

import (
	"encoding/json"
	"strings"
	"time"
)

// nowMark starts the record of now() values in a version's Detail. The
// detail before it is a JSON value or empty; JSON has no raw newline
// inside a string and no token "now", so the mark cannot occur in it.
const nowMark = "\nnow "

// MaxRecordedNows bounds the now() values one step records; calls past
// it read the clock live again on replay.
const MaxRecordedNows = 1024

// SplitDetail splits a version's Detail into the JSON value the step got
// (a signal payload or activity result; "" for none) and the values
// now() returned during the step, in order; the record of futures'
// attempts (see futureEnd) is cut off. A detail without a record, as
// every version stored before the record existed has, gives no values.
func SplitDetail(detail string) (value string, nows []float64) {
	value = detail
	if i := strings.LastIndex(detail, nowMark); i >= 0 {
		if err := json.Unmarshal([]byte(detail[i+len(nowMark):]), &nows); err == nil {
			value = detail[:i]
		} else {
			nows = nil
		}
	}
	value, _, _ = cutFutures(value)
	return value, nows
}

// joinDetail appends the record of nows to a step's detail value.
func joinDetail(value string, nows []float64) string {
	if len(nows) == 0 {
		return value
	}
	data, _ := json.Marshal(nows) // finite floats: they marshal
	return value + nowMark + string(data)
}

// Clock is what now() reads in one run: the values of a record first, in
// order, then the live clock; it records every value it gives, up to
// MaxRecordedNows.
type Clock struct {
	live   func() time.Time
	replay []float64
	given  []float64
}

// NewClock returns a clock that reads live (time.Now when nil) once the
// recorded values are used up.
func NewClock(live func() time.Time, recorded []float64) *Clock {
	if live == nil {
		live = time.Now
	}
	return &Clock{live: live, replay: recorded}
}

// Now returns the next recorded value, or the live time in seconds since
// the Unix epoch.
func (c *Clock) Now() float64 {
	var v float64
	if len(c.replay) > 0 {
		v, c.replay = c.replay[0], c.replay[1:]
	} else {
		v = float64(c.live().UnixNano()) / 1e9
	}
	if len(c.given) < MaxRecordedNows {
		c.given = append(c.given, v)
	}
	return v
}

// reset makes c a fresh clock again, for the next step of a machine
// kept warm: nothing recorded to give, nothing given.
func (c *Clock) reset() { c.replay, c.given = nil, nil }

// Replay makes the clock give recorded before the live clock, dropping
// what is left of an earlier record.
func (c *Clock) Replay(recorded []float64) { c.replay = recorded }

// Given returns the values given since the last call, and forgets them.
func (c *Clock) Given() []float64 {
	g := c.given
	c.given = nil
	return g
}
