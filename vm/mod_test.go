package vm

// A test of the remainder by multiplication that superinstructions take.

import (
	"math/rand/v2"
	"testing"
)

// TestModSmall: modSmall agrees with % wherever smallMod admits it, and
// smallMod admits only dividends in [0, 2³²) and divisors in (0, 256).
func TestModSmall(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for d := int64(1); d < 256; d++ {
		as := []int64{0, 1, d - 1, d, d + 1, 1<<31 - 1, 1 << 31, 1<<32 - 2, 1<<32 - 1}
		for range 2000 {
			as = append(as, int64(r.Uint32()))
		}
		for _, a := range as {
			if !smallMod(a, d) {
				t.Fatalf("smallMod(%d, %d) is false", a, d)
			}
			if got := modSmall(a, d); got != a%d {
				t.Fatalf("modSmall(%d, %d) = %d, want %d", a, d, got, a%d)
			}
		}
	}
	for _, c := range [][2]int64{{-1, 3}, {1 << 32, 3}, {5, 0}, {5, -3}, {5, 256}, {-1 << 63, 7}} {
		if smallMod(c[0], c[1]) {
			t.Errorf("smallMod(%d, %d) is true", c[0], c[1])
		}
	}
}
