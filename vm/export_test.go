package vm

// This file exports internals to the package's external tests.

// PollInterval is how many units of work pass between two polls of the
// context, in the loop and in the snapshot decoder.
const PollInterval = pollInterval
