package vscode

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestDebugger checks the wf debug type the extension registers: launch
// (a program) and attach (a stored instance's id, db and version)
// configurations, snippets for both, and an adapter that runs wf dap.
func TestDebugger(t *testing.T) {
	type attrs struct {
		Required   []string       `json:"required"`
		Properties map[string]any `json:"properties"`
	}
	var pkg struct {
		Contributes struct {
			Breakpoints []struct{ Language string } `json:"breakpoints"`
			Debuggers   []struct {
				Type      string           `json:"type"`
				Languages []string         `json:"languages"`
				Attrs     map[string]attrs `json:"configurationAttributes"`
				Initial   []map[string]any `json:"initialConfigurations"`
				Snippets  []struct {
					Body map[string]any `json:"body"`
				} `json:"configurationSnippets"`
			} `json:"debuggers"`
		} `json:"contributes"`
	}
	readJSON(t, "package.json", &pkg)
	c := pkg.Contributes
	if len(c.Breakpoints) != 1 || c.Breakpoints[0].Language != "wf" {
		t.Errorf("breakpoints = %+v, want breakpoints allowed in wf files", c.Breakpoints)
	}
	if len(c.Debuggers) != 1 || c.Debuggers[0].Type != "wf" || !slices.Equal(c.Debuggers[0].Languages, []string{"wf"}) {
		t.Fatalf("debuggers = %+v", c.Debuggers)
	}
	d := c.Debuggers[0]
	for req, want := range map[string][]string{"launch": {"program", "args", "stopOnEntry"}, "attach": {"id", "db", "at", "args", "stopOnEntry"}} {
		a, ok := d.Attrs[req]
		if !ok {
			t.Errorf("no %s configuration", req)
			continue
		}
		for _, p := range want {
			if _, ok := a.Properties[p]; !ok {
				t.Errorf("%s has no property %q", req, p)
			}
		}
		if len(a.Required) != 1 || a.Properties[a.Required[0]] == nil {
			t.Errorf("%s requires %v", req, a.Required)
		}
	}
	var requests []string
	for _, s := range d.Snippets {
		if s.Body["type"] != "wf" {
			t.Errorf("snippet of type %v", s.Body["type"])
		}
		requests = append(requests, s.Body["request"].(string))
	}
	if !slices.Equal(requests, []string{"launch", "attach"}) || len(d.Initial) != 1 || d.Initial[0]["request"] != "launch" {
		t.Errorf("snippets for %v, initial %v", requests, d.Initial)
	}
	js, err := os.ReadFile("extension.js")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), `registerDebugAdapterDescriptorFactory("wf"`) || !strings.Contains(string(js), `new vscode.DebugAdapterExecutable(wfCommand(), ["dap"])`) {
		t.Error("extension.js does not run wf dap for the wf debug type")
	}
}
