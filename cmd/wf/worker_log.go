package main

// This file defines wf worker's --log flag: how the worker logs its steps.

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// logFlag is the value of --log: text, json or off.
type logFlag string

func (l *logFlag) String() string { return string(*l) }

func (l *logFlag) Set(s string) error {
	switch s {
	case "text", "json", "off":
		*l = logFlag(s)
		return nil
	}
	return fmt.Errorf("want text, json or off, got %q", s)
}

// registerLog adds --log to fs, text by default.
func registerLog(fs *flag.FlagSet) *logFlag {
	l := logFlag("text")
	fs.Var(&l, "log", "how to log each step and error on stderr: `text` (key=value lines), json (JSON lines) or off")
	return &l
}

// logger returns the logger --log asks for, writing to w.
func (l logFlag) logger(w io.Writer) *slog.Logger {
	switch l {
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil))
	case "off":
		return slog.New(slog.DiscardHandler)
	}
	return slog.New(slog.NewTextHandler(w, nil))
}
