package vm

// This file runs the on_upgrade hook: the new program's say in what names
// cannot decide. It is called once per frame (and once for the globals)
// that loses a value or lacks one, with a map describing the change, and
// returns the values the frame lacks; any other variable of the frame it
// names is replaced too.

import (
	"fmt"
	"sort"

	"github.com/wf-lang/wf/compiler"
	"github.com/wf-lang/wf/lang"
)

// hookCall is a frame (or the globals) that needs the hook.
type hookCall struct {
	fn, point string
	globals   bool
	fiber     *Fiber
	base      int
	slots     map[string]compiler.MapVar // the new frame's live variables
	carried   map[string]Value           // values moved by name
	missing   []string                   // new variables without a value
	dropped   map[string]Value           // old variables whose values have no place
}

// needHook records a frame that moves only through the hook.
func (u *upgrade) needHook(hc hookCall, fn, point string, oldPos, newPos lang.Pos) {
	sort.Strings(hc.missing)
	for _, name := range hc.missing {
		u.rep.add(Problem{Verdict: NeedsHook, Func: fn, Point: point, What: "new variable " + name + " has no value", Old: oldPos, New: newPos})
	}
	for _, name := range sortedKeys(hc.dropped) {
		u.rep.add(Problem{Verdict: NeedsHook, Func: fn, Point: point, What: "dropped variable " + name + " held a value", Old: oldPos, New: newPos})
	}
	u.hooks = append(u.hooks, hc)
}

func sortedKeys(m map[string]Value) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// runHooks calls the hook for each frame that needs it and stores what it
// returns.
func (u *upgrade) runHooks() error {
	if len(u.hooks) == 0 {
		return nil
	}
	hook, _ := u.m.Global(HookName)
	for _, hc := range u.hooks {
		res, err := u.m.Call(hook, u.changeValue(hc))
		if err != nil {
			return fmt.Errorf("upgrade: %s for %s: %w", HookName, hc.fn, err)
		}
		if err := u.apply(hc, res); err != nil {
			return err
		}
		u.rep.Hooked++
	}
	return nil
}

// changeValue is the hook's argument: {"function", "point", "old",
// "missing", "values"}.
func (u *upgrade) changeValue(hc hookCall) Value {
	ch := NewMap(5)
	_, _ = ch.Set(String("function"), String(hc.fn))
	_, _ = ch.Set(String("point"), String(hc.point))
	_, _ = ch.Set(String("old"), valueMap(hc.dropped))
	missing := make([]Value, len(hc.missing))
	for i, name := range hc.missing {
		missing[i] = String(name)
	}
	_, _ = ch.Set(String("missing"), NewList(missing))
	_, _ = ch.Set(String("values"), valueMap(hc.carried))
	return MapValue(ch)
}

func valueMap(vars map[string]Value) Value {
	mp := NewMap(len(vars))
	for _, k := range sortedKeys(vars) {
		_, _ = mp.Set(String(k), vars[k])
	}
	return MapValue(mp)
}

// apply stores the hook's result: a map from variable names to values,
// which must cover every missing variable.
func (u *upgrade) apply(hc hookCall, res Value) error {
	if res.k != KindMap && !(res.k == KindNil && len(hc.missing) == 0) {
		return fmt.Errorf("upgrade: %s for %s returned %s, want a map of variable names to values", HookName, hc.fn, article(res.TypeName()))
	}
	given := map[string]Value{}
	if res.k == KindMap {
		res.AsMap().Each(func(k, v Value) bool {
			if k.k == KindString {
				given[k.AsString()] = v
			}
			return true
		})
	}
	for _, name := range hc.missing {
		if _, ok := given[name]; !ok {
			u.rep.add(Problem{Verdict: CannotMove, Func: hc.fn, Point: hc.point, What: HookName + " gave no value for " + name})
		}
	}
	for name, v := range given {
		u.store(hc, name, v)
	}
	return nil
}

// store sets one variable of a hooked frame or of the globals.
func (u *upgrade) store(hc hookCall, name string, v Value) {
	if hc.globals {
		if i, ok := u.m.prog.globals[name]; ok {
			u.m.globals[i] = v
		}
		return
	}
	sv, ok := hc.slots[name]
	if !ok {
		return
	}
	slot := &hc.fiber.Stack[hc.base+sv.Slot]
	if slot.k == kindCell {
		(*Cell)(slot.p).V = v
		u.m.touch(*slot)
		return
	}
	*slot = v
	if sv.Cell {
		*slot = cellValue(&Cell{V: v})
	}
}
