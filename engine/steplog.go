package engine

// This file defines the record a worker logs for each step it commits.

import (
	"context"
	"log/slog"
	"time"
)

// LogStep logs st, a step committed after running for d, to l: an Info
// record (a Warn when the step failed its instance) with the message
// "step" and the attributes instance, version, reason, status, duration
// and, as the step left the instance, waiting_for, due (RFC 3339, UTC)
// and error. Work logs each step this way when WorkerOptions.Logger is
// set; an embedder running steps otherwise may call it too.
func LogStep(l *slog.Logger, st Step, d time.Duration) {
	in := st.Instance
	level := slog.LevelInfo
	if in.Status == Failed {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("instance", in.ID),
		slog.Int64("version", in.Version),
		slog.String("reason", st.Version.Reason),
		slog.String("status", string(in.Status)),
		slog.Duration("duration", d),
	}
	if in.WaitingFor != "" {
		attrs = append(attrs, slog.String("waiting_for", in.WaitingFor))
	}
	if !in.Due.IsZero() {
		attrs = append(attrs, slog.String("due", in.Due.UTC().Format(time.RFC3339)))
	}
	if in.Error != "" {
		attrs = append(attrs, slog.String("error", in.Error))
	}
	l.LogAttrs(context.Background(), level, "step", attrs...)
}

// committed logs st, begun at begun, if who logs its steps.
func (who holder) committed(st Step, begun time.Time) {
	if who.logger != nil {
		LogStep(who.logger, st, time.Since(begun))
	}
}
