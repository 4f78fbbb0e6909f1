package main

// This file defines what wf signal checks besides sending: the value
// given, and whether the signal sent was taken.

import (
	"context"
	"fmt"
	"io"

	"github.com/wf-lang/wf/engine"
)

// signalValue returns the value wf signal sends: the JSON argument, or
// null with --null; one of the two is required, so that a forgotten value
// is not sent as null. On a usage error it returns nil and the exit code.
func signalValue(args []string, null bool, stderr io.Writer) ([]byte, int) {
	switch {
	case null && len(args) > 0:
		fmt.Fprintln(stderr, "wf signal: give a JSON value or --null, not both")
		return nil, exitUsage
	case null:
		return []byte("null"), exitOK
	case len(args) == 0:
		fmt.Fprintln(stderr, "wf signal: the signal's value is missing: give it as JSON (e.g. '{\"ok\": true}'), or --null to send null")
		return nil, exitUsage
	}
	return []byte(args[0]), exitOK
}

// stillQueued reports whether msg is in its instance's inbox unconsumed:
// the instance did not take it (it waits for another name, sleeps, or
// runs an activity).
func stillQueued(e *engine.Engine, msg engine.Message) (bool, error) {
	inbox, err := e.Store().Inbox(context.Background(), msg.Instance)
	for _, m := range inbox {
		if m.ID == msg.ID {
			return m.ConsumedBy == 0, err
		}
	}
	return false, err
}
