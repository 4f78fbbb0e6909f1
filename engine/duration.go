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

// ParseDuration reads a wf duration: a number of seconds (int or float)
// or a string of numbers with units, such as "90s", "3d", "1h30m" or
// "1.5h" (units ms, s, m, h, d, w).
func ParseDuration(v vm.Value) (time.Duration, error) {
	switch v.Kind() {
	case vm.KindInt:
		return seconds(float64(v.AsInt()))
	case vm.KindFloat:
		return seconds(v.AsFloat())
	case vm.KindString:
		return parseDurationString(v.AsString())
	}
	return 0, fmt.Errorf("a duration is a number of seconds or a string like \"90s\", not a %s", v.TypeName())
}

func seconds(f float64) (time.Duration, error) {
	if math.IsNaN(f) || f < 0 || f > math.MaxInt64/float64(time.Second) {
		return 0, fmt.Errorf("duration %v seconds is out of range", f)
	}
	return time.Duration(f * float64(time.Second)), nil
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
	if total > math.MaxInt64 {
		return 0, bad
	}
	return time.Duration(total), nil
}
