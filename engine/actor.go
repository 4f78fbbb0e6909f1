package engine

// This file defines actors: who made an operator's change (a console
// user, a script), recorded in the reason of the version it makes.

import "context"

type actorKey struct{}

// WithActor returns a context under which Cancel, Rewind, Fork, Set and
// a Signal delivered at once record who in the reason of the version
// they make, as "cancelled (by who)", so that the history says who did
// what. A signal that is queued is recorded when a later step consumes
// it, under that step's context, and so without who.
func WithActor(ctx context.Context, who string) context.Context {
	return context.WithValue(ctx, actorKey{}, who)
}

// byActor is reason with the actor of ctx, if any, appended.
func byActor(ctx context.Context, reason string) string {
	if who, _ := ctx.Value(actorKey{}).(string); who != "" {
		return reason + " (by " + who + ")"
	}
	return reason
}
