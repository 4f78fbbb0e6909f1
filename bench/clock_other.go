//go:build !unix

package bench

// This file stands in for the process CPU clock where there is none.

import (
	"errors"
	"time"
)

func cpuTime() (time.Duration, error) {
	return 0, errors.New("the cpu clock needs getrusage (Unix)")
}
