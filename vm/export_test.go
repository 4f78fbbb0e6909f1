package vm

// This file exports internals to the package's external tests.

// PollInterval is how many units of work pass between two polls of the
// context, in the loop and in the snapshot decoder.
const PollInterval = pollInterval

// SetQuicken turns superinstructions on or off for the programs prepared
// from now on (a program already run keeps its code), and returns a
// function that restores the setting.
func SetQuicken(on bool) (restore func()) {
	old := quicken
	quicken = on
	return func() { quicken = old }
}
