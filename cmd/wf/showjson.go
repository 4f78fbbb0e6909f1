package main

// This file defines the JSON forms of show's and history's reports, in
// which the values a workflow got (its input, signal payloads, activity
// results) are JSON values, not strings holding JSON.

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/wf-lang/wf/engine"
	"github.com/wf-lang/wf/vm"
)

// rawJSON is s as a JSON value when it is one, else s as a JSON string
// (stored text that does not parse is still shown), and nil for "".
func rawJSON(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	if json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	q, _ := json.Marshal(s)
	return q
}

// jsonInstance is an instance with its input as a JSON value. Its
// fields shadow the embedded ones of the same JSON name.
type jsonInstance struct {
	engine.Instance
	Input json.RawMessage `json:"input,omitempty"`
}

// jsonVersion is a version with its detail, the signal payload or
// activity result it got, as a JSON value, and the values now() returned
// in its step.
type jsonVersion struct {
	engine.Version
	Detail json.RawMessage `json:"detail,omitempty"`
	Now    []float64       `json:"now,omitempty"`
}

// jsonMessage is a queued signal with its value as a JSON value.
type jsonMessage struct {
	engine.Message
	Value json.RawMessage `json:"value"`
}

// jsonReport is engine.Report with values as JSON values.
type jsonReport struct {
	Instance jsonInstance   `json:"instance"`
	Version  jsonVersion    `json:"version"`
	Machine  *vm.Inspection `json:"machine,omitempty"`
	Queued   []jsonMessage  `json:"queued_signals,omitempty"`
	Pending  string         `json:"waiting_for,omitempty"`
}

func reportJSON(rep *engine.Report) jsonReport {
	r := jsonReport{Instance: instanceJSON(rep.Instance), Version: versionJSON(rep.Version), Machine: rep.Machine, Pending: rep.Pending}
	for _, m := range rep.Queued {
		r.Queued = append(r.Queued, jsonMessage{Message: m, Value: rawJSON(m.Value)})
	}
	return r
}

func instanceJSON(in engine.Instance) jsonInstance {
	return jsonInstance{Instance: in, Input: rawJSON(in.Input)}
}

func versionJSON(v engine.Version) jsonVersion {
	value, nows := engine.SplitDetail(v.Detail)
	return jsonVersion{Version: v, Detail: rawJSON(value), Now: nows}
}

func historyJSON(vs []engine.Version) []jsonVersion {
	out := make([]jsonVersion, 0, len(vs))
	for _, v := range vs {
		out = append(out, versionJSON(v))
	}
	return out
}

// maxGot bounds the text of a payload in wf history's table.
const maxGot = 60

// got describes what a version's step got from outside, in one line:
// the signal payload or activity result, compacted and cut to maxGot.
func got(v engine.Version) string {
	value, _ := engine.SplitDetail(v.Detail)
	if value == "" {
		return ""
	}
	var b bytes.Buffer
	s := strings.Join(strings.Fields(value), " ")
	if json.Compact(&b, []byte(value)) == nil {
		s = b.String()
	}
	if len(s) > maxGot {
		s = strings.ToValidUTF8(s[:maxGot], "") + "..."
	}
	return s
}
