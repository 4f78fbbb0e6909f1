package console

// The end-to-end test: the console in a real headless Chromium, driven
// with chromedp.

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// chromium finds a Chromium or Chrome to drive. Without one the test
// skips, unless $CI is true, where a missing browser is a failure.
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("no chromium on PATH, and CI=true: the browser tests must run (.ci/run installs chromium)")
	}
	t.Skip("no chromium on PATH: skipping the browser tests (apt-get install chromium)")
	return ""
}

// browser starts a headless Chromium and returns a tab's context.
func browser(t *testing.T) context.Context {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1280, 1000))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTime := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTime(); cancelTab(); cancelAlloc() })
	return ctx
}

// shots is where screenshots go: $WF_SCREENSHOTS, or a temporary
// directory.
func shots(t *testing.T) string {
	if d := os.Getenv("WF_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// void runs a, dropping its value, as a step of chromedp.Do.
func void[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, t)
		return chromedp.Void{}, err
	}
}

// screenshot saves the whole page as dir/name.
func screenshot(dir, name string) chromedp.Action[chromedp.Void] {
	return save(dir, name, chromedp.FullScreenshot(100)) // quality 100: PNG
}

// screenshotOf saves the element the CSS selector picks as dir/name.
func screenshotOf(dir, name, sel string) chromedp.Action[chromedp.Void] {
	return save(dir, name, chromedp.Screenshot(chromedp.CSS(sel)))
}

func save(dir, name string, shot chromedp.Action[[]byte]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		png, err := shot(ctx, t)
		if err != nil {
			return chromedp.Void{}, err
		}
		return chromedp.Void{}, os.WriteFile(filepath.Join(dir, name), png, 0o644)
	}
}

// waitJS waits until the expression is true in the page.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return void(chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second)))
}

// global is the JS text of global name's value as the state shows it.
func global(name string) string {
	return `(document.querySelector('#machine tr[data-path="globals.` + name + `"] td:last-child') || {}).textContent`
}

// hostileLoop is loop printing markup, for the page to show as text.
const hostileLoop = `let who = input()["who"]
let n = 0
let seen = []
while n < 2 {
    let v = wait("step")
    n = n + 1
    seen = seen + [v]
    print("step " + str(n))
}
let answer = wait("approval")
print("<script>window.pwned = 1</script><b>done</b>: " + str(answer))
`

// TestBrowser: open the list, open an instance, move the timeline and
// see the globals change, diff two versions with the changed ones
// highlighted, and send a signal from the form, confirming it, and see
// the instance complete live, without a reload.
func TestBrowser(t *testing.T) {
	f := newFixture(t, Options{Poll: 100 * time.Millisecond})
	f.start("other.wf", marked, "")
	f.start("reminder.wf", "sleep(3600)\nprint(\"late\")\n", "")
	done := f.start("order.wf", hostileLoop, `{"who": "carol"}`)
	f.signal(done, "step", "1")
	f.signal(done, "step", "2")
	f.signal(done, "approval", "false")
	id := f.start("order.wf", hostileLoop, `{"who": "<img src=x onerror=window.pwned=2>"}`)
	f.signal(id, "step", `"first"`)
	f.signal(id, "step", `"second"`)
	srv := httptest.NewServer(f.s)
	t.Cleanup(srv.Close)
	ctx := browser(t) // closed before srv, which waits for its event streams
	dir := shots(t)

	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			msg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#message, #status, #live, #at')].map(e => e.id + '=' + e.textContent).join('; ')`))
			t.Fatalf("%s: %v (the page says %q)", what, err, msg)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	eval := func(expr string) any {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	row := `tr[data-id="` + id + `"]`
	do("the list", chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(row)),
		waitJS(`document.getElementById('live').textContent.includes('live')`),
		screenshotOf(dir, "console-list.png", "body"))
	if got := text(row); !strings.Contains(got, "waiting") || !strings.Contains(got, "approval") || !strings.Contains(got, "order.wf") {
		t.Errorf("the list's row: %q", got)
	}

	do("the link", chromedp.Click(chromedp.CSS(row+" a")), chromedp.WaitVisible(chromedp.ID("slider")))
	do("the instance", waitJS(global("n")+` === '2'`),
		waitJS(`document.querySelector('#source .line.current') !== null`),
		void(chromedp.Evaluate[bool](`window.notReloaded = true`)),
		screenshot(dir, "console-instance.png"))
	if got := text(`#source .line.current`); !strings.Contains(got, `wait("approval")`) {
		t.Errorf("the current line is %q, want the wait for approval", got)
	}

	// A list expands to its elements.
	do("a list", chromedp.Click(chromedp.CSS(`#machine tr[data-path="globals.seen"] summary`)),
		waitJS(`[...document.querySelectorAll('#machine tr[data-path="globals.seen"] li')].map(li => li.textContent).join(',') === '"first","second"'`))

	// The slider, moved with the keyboard as a user would, shows older
	// versions: n was 1 at version 2 and 0 at version 1.
	do("the timeline", chromedp.Focus(chromedp.ID("slider")), chromedp.KeyEvent(kb.ArrowLeft),
		waitJS(global("n")+` === '1'`),
		waitJS(`document.getElementById('reason').textContent === 'signal step received: "first"'`),
		chromedp.KeyEvent(kb.ArrowLeft),
		waitJS(global("n")+` === '0'`))
	if got := text("#at"); got != "version 1 of 3" {
		t.Errorf("the timeline says %q", got)
	}

	// The diff of versions 1 and 3 highlights n and seen, not who.
	do("the diff", chromedp.SetValue(chromedp.ID("from"), "1"), chromedp.SetValue(chromedp.ID("to"), "3"),
		chromedp.Click(chromedp.ID("diff-go")),
		waitJS(`document.querySelectorAll('#diff .side').length === 2`),
		screenshotOf(dir, "console-diff.png", "#diff-box"))
	changed := eval(`[...document.querySelectorAll('#diff .side:last-child tr.changed')].map(r => r.dataset.path).join(' ')`)
	if changed != "globals.n globals.seen" {
		t.Errorf("highlighted %v, want globals.n and globals.seen", changed)
	}

	// Send the signal: the form validates the JSON, the confirmation says
	// what will happen, and the page follows the instance to the end.
	do("a bad signal value", chromedp.SetValue(chromedp.ID("signal-value"), `{"ok": tru`),
		chromedp.SendKeys(chromedp.ID("signal-value"), "e"),
		waitJS(`document.getElementById('signal-check').textContent.startsWith('✗')`),
		chromedp.SendKeys(chromedp.ID("signal-value"), "}"))
	if got := text("#signal-check"); got != "✓ valid JSON" {
		t.Errorf("the JSON check says %q", got)
	}
	do("the signal", chromedp.Click(chromedp.ID("signal-send")),
		chromedp.WaitVisible(chromedp.ID("confirm")),
		screenshotOf(dir, "console-confirm.png", "#confirm"))
	if got := text("#confirm-text"); !strings.Contains(got, "signal approval with value") || !strings.Contains(got, "it resumes now") {
		t.Errorf("the confirmation says %q", got)
	}
	do("the completion", chromedp.Click(chromedp.ID("confirm-yes")),
		waitJS(`document.getElementById('status').textContent === 'completed'`),
		waitJS(`document.getElementById('at').textContent === 'version 1 of 4'`), // the new version is on the timeline
		chromedp.Focus(chromedp.ID("slider")), chromedp.KeyEvent(kb.End),         // the slider stayed where the user left it
		waitJS(`document.getElementById('output').textContent.includes('done')`),
		screenshot(dir, "console-completed.png"))
	if got := text("#output"); !strings.Contains(got, `<script>window.pwned = 1</script><b>done</b>: {"ok": true}`) {
		t.Errorf("the output shows %q, want the markup as text", got)
	}
	if eval(`window.notReloaded === true`) != true {
		t.Errorf("the page reloaded")
	}
	if p := eval(`String(window.pwned)`); p != "undefined" {
		t.Errorf("hostile text ran as script: window.pwned = %v", p)
	}
	if r := f.lastReason(id); !strings.HasPrefix(r, "signal approval received (by console, 127.0.0.1:") {
		t.Errorf("the signal's version says %q", r)
	}
	t.Logf("screenshots in %s", dir)
}

// TestBrowserActions: set a variable, rewind and cancel from the page,
// each confirmation saying what will change, each recorded in the
// history as the console's.
func TestBrowserActions(t *testing.T) {
	f := newFixture(t, Options{Poll: 100 * time.Millisecond})
	id := f.start("order.wf", loop, `{"who": "ana"}`)
	f.signal(id, "step", `"first"`)
	srv := httptest.NewServer(f.s)
	t.Cleanup(srv.Close)
	ctx := browser(t)
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			msg, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById('message') || {}).textContent || ''`))
			t.Fatalf("%s: %v (the page says %q)", what, err, msg)
		}
	}
	confirm := func(what string, open chromedp.Action[chromedp.Void], want ...string) {
		t.Helper()
		do(what, open, chromedp.WaitVisible(chromedp.ID("confirm")))
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("confirm-text")))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the confirmation says %q, want %q in it", what, text, w)
			}
		}
		do(what, chromedp.Click(chromedp.ID("confirm-yes")), chromedp.WaitNotVisible(chromedp.ID("confirm")))
	}
	do("the instance", chromedp.Navigate(srv.URL+"/instances/"+id), waitJS(global("n")+` === '1'`))

	do("the form", chromedp.SetValue(chromedp.ID("set-name"), "who"), chromedp.SendKeys(chromedp.ID("set-value"), `"bo"`))
	confirm("set", chromedp.Click(chromedp.CSS(`#set-form button`)), `who: "ana"`, `becomes "bo"`)
	do("the new value", waitJS(global("who")+` === '"bo"'`))

	do("back to version 1", chromedp.Focus(chromedp.ID("slider")), chromedp.KeyEvent(kb.Home), waitJS(global("n")+` === '0'`))
	confirm("rewind", chromedp.Click(chromedp.ID("rewind-go")), "continues from version 1 (started)", "~ globals.n.value: 1 → 0",
		`~ globals.who.value: "bo" → "ana"`)
	do("the rewound head", waitJS(`document.getElementById('at').textContent === 'version 1 of 4'`))

	confirm("cancel", chromedp.Click(chromedp.ID("cancel-go")), "becomes cancelled, for good")
	do("the cancelled status", waitJS(`document.getElementById('status').textContent === 'cancelled'`))

	var got []string
	for _, v := range f.history(id) {
		got = append(got, v.Reason)
	}
	want := []string{"started", "signal step received", `variable who set to "bo" (by console, 127.0.0.1:`,
		"rewound to version 1 (by console, 127.0.0.1:", "cancelled (by console, 127.0.0.1:"}
	if len(got) != len(want) {
		t.Fatalf("history %q, want %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("version %d: %q, want %q...", i+1, got[i], want[i])
		}
	}
}

// TestBrowserToken: a console with a token is opened once with
// ?token=; the cookie it sets carries the token on every later request,
// the event streams and the actions included.
func TestBrowserToken(t *testing.T) {
	f := newFixture(t, Options{Token: "s3cret-token", Poll: 100 * time.Millisecond})
	id := f.start("order.wf", loop, `{"who": "ana"}`)
	srv := httptest.NewServer(f.s)
	t.Cleanup(srv.Close)
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/instances/"+id+"?token=s3cret-token"),
		waitJS(global("n")+` === '0'`),
		waitJS(`document.getElementById('live').textContent.includes('live')`)); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || loc != srv.URL+"/instances/"+id {
		t.Errorf("the address is %q (%v), want it without the token", loc, err)
	}
	f.signal(id, "step", `"x"`) // from outside: the page follows over its event stream
	if err := chromedp.Do(ctx, waitJS(`document.getElementById('at').textContent === 'version 2 of 2'`),
		chromedp.Click(chromedp.ID("cancel-go")), chromedp.WaitVisible(chromedp.ID("confirm")),
		chromedp.Click(chromedp.ID("confirm-yes")),
		waitJS(`document.getElementById('status').textContent === 'cancelled'`)); err != nil {
		t.Fatal(err)
	}
	if r := f.lastReason(id); !strings.HasPrefix(r, "cancelled (by console, token "+tokenID("s3cret-token")+", 127.0.0.1:") {
		t.Errorf("the cancel's version says %q", r)
	}
}
