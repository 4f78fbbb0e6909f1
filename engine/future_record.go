package engine

// This file defines the record of futures' attempts a version keeps in
// its detail, so that a replay (CheckHistory, wf debug) gives a future
// the outcome it had, its result and times included, without calling
// the activity again.

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/wf-lang/wf/vm"
)

// futuresMark starts the record of futures' attempts in a version's
// Detail, after its JSON value and before the record of now() values
// (see nowMark): JSON has no raw newline and no token "futures", so the
// mark cannot occur in the value.
const futuresMark = "\nfutures "

// futureEnd is one attempt of a future as a version records it: the
// result (JSON) of one that succeeded, or the kind, message and error
// value's message of one that failed, with the time of its next attempt
// when it is retried; or the future's end with the instance's
// cancellation. At is when the outcome was recorded (Unix ms).
type futureEnd struct {
	Seq       int64           `json:"seq"`
	Attempt   int64           `json:"attempt,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Kind      string          `json:"kind,omitempty"`
	Message   string          `json:"message,omitempty"` // the activity's, as the reason shows it
	Error     string          `json:"error,omitempty"`   // the error value's message
	Retry     string          `json:"retry,omitempty"`   // RFC 3339, nanoseconds
	Cancelled bool            `json:"cancelled,omitempty"`
	At        int64           `json:"at"`
}

// withFutures appends the record of ends to a step's detail value.
func withFutures(value string, ends []futureEnd) string {
	if len(ends) == 0 {
		return value
	}
	data, _ := json.Marshal(ends) // raw results are valid JSON: it marshals
	return value + futuresMark + string(data)
}

// cutFutures splits a detail value (the now() record cut off) into the
// step's own JSON value and its record of futures' attempts; ok is false
// when it has none.
func cutFutures(value string) (own, record string, ok bool) {
	i := strings.LastIndex(value, futuresMark)
	if i < 0 {
		return value, "", false
	}
	return value[:i], value[i+len(futuresMark):], true
}

// futuresOf decodes the record of futures' attempts in a detail value.
func futuresOf(record string) ([]futureEnd, error) {
	var ends []futureEnd
	if err := json.Unmarshal([]byte(record), &ends); err != nil {
		return nil, fmt.Errorf("its record of futures' attempts does not decode: %v", err)
	}
	return ends, nil
}

// record notes an attempt's outcome in f, at now, and describes it; it
// returns the record a replay applies to f to the same effect.
func (f *future) record(at attempt, now time.Time) (string, futureEnd) {
	end := futureEnd{Seq: f.seq, Attempt: f.attempt + 1, At: now.UnixMilli()}
	if at.fail == nil {
		end.Result = json.RawMessage(at.json)
	} else {
		end.Kind, end.Message, end.Error = at.fail.kind(), at.fail.Message, at.fail.Error()
		if !at.retry.IsZero() {
			end.Retry = at.retry.UTC().Format(time.RFC3339Nano)
		}
	}
	note, _ := f.apply(end, at.reply) // an end made from f fits it
	return note, end
}

// apply gives f the outcome end records, value being the result of a
// successful attempt, and describes it as the history does.
func (f *future) apply(end futureEnd, value vm.Value) (string, error) {
	if end.Seq != f.seq || end.Attempt != f.attempt+1 || f.state != futurePending {
		return "", fmt.Errorf("it records attempt %d of future seq %d, which is %s after %d attempts", end.Attempt, end.Seq, f.state, f.attempt)
	}
	var retry time.Time
	if end.Retry != "" {
		t, err := time.Parse(time.RFC3339Nano, end.Retry)
		if err != nil {
			return "", fmt.Errorf("future seq %d: its next attempt's time does not parse: %v", f.seq, err)
		}
		retry = t
	}
	f.attempt = end.Attempt
	tries := ""
	if f.attempt > 1 {
		tries = fmt.Sprintf(", attempt %d", f.attempt)
	}
	switch {
	case end.Kind == "":
		f.state, f.value, f.at = futureDone, value, end.At
		f.store()
		return fmt.Sprintf("future %s done (seq %d%s)", f.fn, f.seq, tries), nil
	case retry.IsZero():
		f.state, f.value, f.at = futureFailed, vm.ErrorValue(vm.NewError(end.Kind, end.Error)), end.At
		f.store()
		return fmt.Sprintf("future %s failed (seq %d, attempt %d): %s: %s", f.fn, f.seq, f.attempt, end.Kind, end.Message), nil
	}
	f.due = (retry.UnixNano() + 999_999) / 1e6 // rounded up: not before the retry time
	f.store()
	return fmt.Sprintf("future %s failed (seq %d, attempt %d): %s: %s; attempt %d at %s", f.fn, f.seq, f.attempt,
		end.Kind, end.Message, f.attempt+1, retry.UTC().Format(time.RFC3339)), nil
}

// cancel ends a pending f with the instance's cancellation, at now, and
// returns the record of it.
func (f *future) cancel(now time.Time) futureEnd {
	f.state, f.at = futureFailed, now.UnixMilli()
	f.value = vm.ErrorValue(vm.NewError(vm.ErrCancelled, fmt.Sprintf("future %s cancelled with the instance", f.name())))
	f.store()
	return futureEnd{Seq: f.seq, Cancelled: true, At: f.at}
}
