package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	godap "github.com/google/go-dap"
)

// TestDap drives wf dap over stdio: launch arguments are wf debug's
// flags, the program's output comes as output events, and a launch with
// bad flags or a program that does not compile is refused with the
// compiler's message.
func TestDap(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "flow.wf")
	if err := os.WriteFile(prog, []byte("print(\"asking\")\nlet ok = wait(\"approve\")\nprint(\"approved\", ok)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.wf")
	if err := os.WriteFile(bad, []byte("let = 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	got := dapTalk(t, []string{
		`{"command":"initialize","arguments":{"adapterID":"wf"}}`,
		`{"command":"launch","arguments":{"program":"` + bad + `"}}`,
		`{"command":"launch","arguments":{"program":"` + prog + `","args":["--frobnicate"]}}`,
		`{"command":"launch","arguments":{"program":"` + prog + `","args":["--signal","approve=true"]}}`,
		`{"command":"configurationDone"}`,
		`{"command":"disconnect"}`,
	})
	want := []string{
		"initialize",
		"launch launch: " + bad + ":1:5: unexpected \"=\" (expected a name)", // the compiler's message
		"launch launch: args: flag provided but not defined: -frobnicate",
		"launch", "initialized", "configurationDone",
		"output asking", "output approved true", "exited", "terminated",
		"disconnect",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("wf dap said:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// dapTalk sends requests (JSON without seq and type) to wf dap and
// returns what it said: each message's event or command, message and
// output, on one line.
func dapTalk(t *testing.T, reqs []string) []string {
	t.Helper()
	var in bytes.Buffer
	for i, req := range reqs {
		req = fmt.Sprintf(`{"seq":%d,"type":"request",`, i+1) + req[1:]
		if err := godap.WriteBaseMessage(&in, []byte(req)); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"dap"}, &in, &out, &errb); code != exitOK {
		t.Fatalf("wf dap: exit %d: %s", code, errb.String())
	}
	var got []string
	for _, data := range bytes.Split(out.Bytes(), []byte("Content-Length: ")) {
		if _, body, ok := bytes.Cut(data, []byte("\r\n\r\n")); ok {
			var m struct {
				Event, Command, Message string
				Body                    struct{ Output, Description string }
			}
			if err := json.Unmarshal(body, &m); err != nil {
				t.Fatalf("%v: %s", err, body)
			}
			line, _, _ := strings.Cut(m.Event+m.Command+" "+m.Message+m.Body.Output+m.Body.Description, "\n")
			got = append(got, strings.TrimSpace(line))
		}
	}
	return got
}

// TestDapListen: --listen serves one connection at a loopback address,
// and refuses other addresses.
func TestDapListen(t *testing.T) {
	errR, errW := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run([]string{"dap", "--listen", "127.0.0.1:0"}, nil, io.Discard, errW)
		errW.Close()
	}()
	line, err := bufio.NewReader(errR).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "wf dap: listening at ")
	if err != nil || !ok {
		t.Fatalf("wf dap --listen said %q, %v", line, err)
	}
	go io.Copy(io.Discard, errR)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i, req := range []string{`{"seq":1,"type":"request","command":"initialize","arguments":{}}`, `{"seq":2,"type":"request","command":"disconnect"}`} {
		if err := godap.WriteBaseMessage(conn, []byte(req)); err != nil {
			t.Fatal(i, err)
		}
	}
	r := bufio.NewReader(conn)
	for _, want := range []string{"initialize", "disconnect"} {
		m, err := godap.ReadProtocolMessage(r)
		if err != nil {
			t.Fatal(err)
		}
		if resp, ok := m.(godap.ResponseMessage); !ok || resp.GetResponse().Command != want || !resp.GetResponse().Success {
			t.Fatalf("got %#v, want the response to %s", m, want)
		}
	}
	if code := <-done; code != exitOK {
		t.Errorf("wf dap --listen: exit %d", code)
	}

	for _, addr := range []string{"0.0.0.0:4711", "192.0.2.1:4711", "example.com:4711", "nonsense"} {
		var out, errb bytes.Buffer
		if code := run([]string{"dap", "--listen", addr}, nil, &out, &errb); code != exitRuntime || !strings.Contains(errb.String(), "wf dap:") {
			t.Errorf("--listen %s: exit %d, %q", addr, code, errb.String())
		}
	}
}
