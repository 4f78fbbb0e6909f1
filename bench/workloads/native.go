package workloads

// This file defines the workloads in idiomatic native Go.

import (
	"iter"
	"strconv"
	"strings"
)

// Fib is recursive Fibonacci.
func Fib(n int) int64 {
	if n < 2 {
		return int64(n)
	}
	return Fib(n-1) + Fib(n-2)
}

// SumSquares is the sum of i*i % 7 for i below n.
func SumSquares(n int) int64 {
	var s int64
	for i := range int64(n) {
		s += i * i % 7
	}
	return s
}

// Branchy sums a counter that wraps at 100 over n iterations.
func Branchy(n int) int64 {
	var k, s int64
	for range n {
		k = k + 1
		if k >= 100 {
			k = 0
		}
		s = s + k
	}
	return s
}

// LoopAdd adds i when i is a multiple of 3 and 1 otherwise, for i below
// n: the loopadd and loopaddfn workloads.
func LoopAdd(n int) int64 {
	var s int64
	for i := int64(0); i < int64(n); i++ {
		if i%3 == 0 {
			s += i
		} else {
			s += 1
		}
	}
	return s
}

// Strings joins strconv.Itoa(i) for i below n with "," and returns the
// length.
func Strings(n int) int64 {
	var parts []string
	for i := range n {
		parts = append(parts, strconv.Itoa(i))
	}
	return int64(len(strings.Join(parts, ",")))
}

// Words counts n words drawn from a 1,000-word vocabulary by the MINSTD
// generator and returns the sum of count(w_i) * (i + 1).
func Words(n int) int64 {
	vocab := make([]string, 1000)
	for i := range vocab {
		vocab[i] = "w" + strconv.Itoa(i)
	}
	counts := map[string]int64{}
	x := int64(1)
	for range n {
		x = x * 48271 % 2147483647
		counts[vocab[x%1000]]++
	}
	var sum int64
	for i, w := range vocab {
		sum += counts[w] * int64(i+1)
	}
	return sum
}

// count yields 0 .. n-1.
func count(n int) iter.Seq[int64] {
	return func(yield func(int64) bool) {
		for i := range int64(n) {
			if !yield(i) {
				return
			}
		}
	}
}

// Generator sums 0 .. n-1 pulled one at a time from an iterator with
// iter.Pull: one resume and one yield per value, like a generator.
func Generator(n int) int64 {
	next, stop := iter.Pull(count(n))
	defer stop()
	var s int64
	for {
		x, ok := next()
		if !ok {
			return s
		}
		s += x
	}
}
