package engine

// This file defines the durations sleep and wait accept.

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/wf-lang/wf/vm"
)

// durationUnits are the units a duration string may use.
var durationUnits = map[string]time.Duration{
	"ms": time.Millisecond, "s": time.Second, "m": time.Minute,
	"h": time.Hour, "d": 24 * time.Hour, "w": 7 * 24 * time.Hour,
}

// MaxDuration is the longest duration sleep and wait accept: 100 years
// of 365 days. A longer one is refused where the script asks for it
// (a value_error), so that every due time is now plus at most a
// century, far inside the years the store can record (1678 to 2262).
// A duration used to be anything up to time.Duration's 292 years:
// sleep(9000000000) was due in 2311, which overflowed the store's Unix
// nanoseconds into 1726, and the timer fired at once.
const MaxDuration = 100 * 365 * 24 * time.Hour

// ParseDuration reads a wf duration: a number of seconds (int or float)
// or a string of numbers with units, such as "90s", "3d", "1h30m" or
// "1.5h" (units ms, s, m, h, d, w), from zero to MaxDuration.
func ParseDuration(v vm.Value) (time.Duration, error) {
	switch v.Kind() {
	case vm.KindInt:
		return seconds(float64(v.AsInt()), MaxDuration)
	case vm.KindFloat:
		return seconds(v.AsFloat(), MaxDuration)
	case vm.KindString:
		return parseDurationString(v.AsString())
	}
	return 0, fmt.Errorf("a duration is a number of seconds or a string like \"90s\", not a %s", v.TypeName())
}

// seconds converts f seconds to a duration of at most limit.
func seconds(f float64, limit time.Duration) (time.Duration, error) {
	if math.IsNaN(f) || f < 0 {
		return 0, fmt.Errorf("duration %v seconds is out of range", f)
	}
	ns := f * float64(time.Second)
	if ns > float64(limit) || ns >= 1<<63 {
		return 0, fmt.Errorf("duration %v seconds is over %s", f, maxNote(limit))
	}
	return time.Duration(ns), nil
}

// maxNote names the limit in messages.
func maxNote(limit time.Duration) string {
	if limit == MaxDuration {
		return "the maximum of 100 years (36500d)"
	}
	return "the largest duration, " + limit.String()
}

func parseDurationString(s string) (time.Duration, error) {
	bad := fmt.Errorf("bad duration %q: want numbers with units ms, s, m, h, d, w, as in \"1h30m\"", s)
	if s == "" {
		return 0, bad
	}
	var total float64
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && (s[j] == '.' || s[j] >= '0' && s[j] <= '9') {
			j++
		}
		k := j
		for k < len(s) && (s[k] < '0' || s[k] > '9') && s[k] != '.' {
			k++
		}
		n, err := strconv.ParseFloat(s[i:j], 64)
		unit, ok := durationUnits[s[j:k]]
		if err != nil || !ok {
			return 0, bad
		}
		total += n * float64(unit)
		i = k
	}
	if total > float64(MaxDuration) {
		return 0, fmt.Errorf("duration %q is over %s", s, maxNote(MaxDuration))
	}
	return time.Duration(total), nil
}
