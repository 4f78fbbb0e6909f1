package vm_test

// This file tests that restored fibers, whose stacks hold only their
// values, get the room their code may use when they first run again.

import "testing"

// TestRestoredFibersGetRoom: generators and coroutines restored while
// suspended or not yet started, and callers restored deep in an
// expression, run on as they would have without the restores; the
// expressions they resume into need more stack than the values they were
// saved with.
func TestRestoredFibersGetRoom(t *testing.T) {
	sameAfterRestarts(t, `
fn deep(a, b) { return a + (b * (a + (b * (a + (b * (a + b)))))) }
fn gen(n) {
    let i = 0
    while i < 3 {
        let got = yield i + (n * (i + n))
        if got == nil { got = 0 }
        let x = i + (n * (i + (n * (i + (n * (got + 1))))))
        print("gen", n, x, deep(x, i + (n * (i + (n * (i + 1))))))
        i += 1
    }
    return n + (i * (n + (i * (n + i))))
}
let main = nil
fn co(a) {
    let s = a
    while s < 1000000 {
        let got = main.switch(s + (a * (s + (a * (s + a)))))
        s = s + (got * (s + (got * (s + (got * deep(s, got))))))
    }
    return s
}
main = coroutine(fn() {
    let c = coroutine(co)
    let v = c.switch(2)
    while v < 1000000000 {
        let n = len(ask("co " + str(v)))
        v = v + (n * (v + (n * (v + c.switch(n)))))
        print("co", v)
    }
    return v
})
let gs = [gen(1), gen(2), gen(3)]
let started = gen(4)
started.next()
ask("gens made")
for g in gs { print(len(ask(g.next()))) }
print(started.send(5), 1 + (2 * (3 + (4 * (5 + started.send(6))))))
ask("between")
for x in gen(7) { print("loop", x, len(ask(x)) + (x * (x + (x * (x + deep(x, x)))))) }
for g in gs {
    try { while true { g.send(len(ask("g"))) } } catch e { print("done", e.kind) }
}
print(deep(1, len(ask(2))) + (3 * (4 + (5 * deep(len(ask(6)), 7)))))
print(main.switch())
`)
}
