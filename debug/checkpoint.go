package debug

// This file defines the checkpoint store: snapshots by step, within a
// memory cap.

import "slices"

// DefaultMaxCheckpointBytes caps the bytes of checkpoints a Session keeps
// when Config.MaxCheckpointBytes is 0.
const DefaultMaxCheckpointBytes = 64 << 20

// DefaultCheckpointEvery is the fewest steps between two checkpoints when
// Config.CheckpointEvery is 0. Going back costs a replay of up to one
// interval (at about 10 ns a step, well under a millisecond) plus, for the
// reverse commands, one scan of it with a condition at every step.
const DefaultCheckpointEvery = 1 << 17

// stepsPerByte spaces checkpoints by their size: a snapshot costs about
// what a handful of instructions cost per byte, so one every 16 steps a
// byte keeps recording near a tenth of the run or below.
const stepsPerByte = 16

// checkpoint is a snapshot of the machine at a step.
type checkpoint struct {
	step   int64
	data   []byte
	pinned bool // the state after a Set: never thinned, and runs reaching its step take it
}

// checkpoints holds snapshots in step order. Step 0 is never stored: a
// new machine is the state there.
type checkpoints struct {
	list    []checkpoint
	bytes   int64 // sum of len(data)
	max     int64 // cap on bytes
	every   int64 // fewest steps between two
	perByte int64 // steps between two per byte of snapshot (stepsPerByte)
	spacing int64 // thinning doubles it
	next    int64 // the step at which the next checkpoint is due
}

func newCheckpoints(max, every int64) *checkpoints {
	return &checkpoints{max: max, every: every, perByte: stepsPerByte, spacing: 1, next: every}
}

// last returns the step of the latest checkpoint (0 when there is none).
func (c *checkpoints) last() int64 {
	if len(c.list) == 0 {
		return 0
	}
	return c.list[len(c.list)-1].step
}

// due reports whether a checkpoint should be taken at step.
func (c *checkpoints) due(step int64) bool {
	return step >= c.next && step > c.last()
}

// before returns the latest checkpoint at or before step (step 0, with
// no data, when none is).
func (c *checkpoints) before(step int64) checkpoint {
	for i := len(c.list) - 1; i >= 0; i-- {
		if c.list[i].step <= step {
			return c.list[i]
		}
	}
	return checkpoint{}
}

// add stores a snapshot taken at step, thinning older ones to stay under
// the cap. A snapshot larger than the cap alone is not stored.
func (c *checkpoints) add(step int64, data []byte) {
	size := int64(len(data))
	c.next = step + max(c.every, c.perByte*size)*c.spacing
	if size > c.max {
		return
	}
	for c.bytes+size > c.max {
		c.thin()
	}
	c.list = append(c.list, checkpoint{step: step, data: data})
	c.bytes += size
}

// thin drops every other checkpoint of the older half (the recent ones
// stay dense, where the cursor usually is), or the oldest when only one
// or two are left, and spaces future checkpoints twice as far apart.
func (c *checkpoints) thin() {
	c.spacing *= 2
	old := len(c.list) / 2
	if old < 2 {
		for i, cp := range c.list {
			if !cp.pinned {
				c.bytes -= int64(len(cp.data))
				c.list = slices.Delete(c.list, i, i+1)
				return
			}
		}
		c.max = c.bytes + 1 // only pinned ones are left: they stay
		return
	}
	kept := c.list[:0]
	for i, cp := range c.list {
		if i < old && i%2 == 1 && !cp.pinned {
			c.bytes -= int64(len(cp.data))
			continue
		}
		kept = append(kept, cp)
	}
	clear(c.list[len(kept):]) // let the dropped snapshots go
	c.list = kept
}

// pin stores the state a Set made at step; it replaces any checkpoint
// at that step.
func (c *checkpoints) pin(step int64, data []byte) {
	c.dropAfter(step - 1)
	c.list = append(c.list, checkpoint{step: step, data: data, pinned: true})
	c.bytes += int64(len(data))
	c.next = step + c.every
}

// dropAfter forgets the checkpoints past step.
func (c *checkpoints) dropAfter(step int64) {
	for len(c.list) > 0 && c.list[len(c.list)-1].step > step {
		c.bytes -= int64(len(c.list[len(c.list)-1].data))
		c.list[len(c.list)-1] = checkpoint{}
		c.list = c.list[:len(c.list)-1]
	}
	c.next = max(step+1, c.last()+c.every)
}

// pinnedAfter returns the first pinned checkpoint after step, if any.
func (c *checkpoints) pinnedAfter(step int64) (checkpoint, bool) {
	for _, cp := range c.list {
		if cp.pinned && cp.step > step {
			return cp, true
		}
	}
	return checkpoint{}, false
}
