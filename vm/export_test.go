package vm

// This file exports internals to the package's external tests.

// PollInterval is how many units of work pass between two polls of the
// context, in the loop and in the snapshot decoder.
const PollInterval = pollInterval

// ApplyDeltaUnchecked is ApplyDelta without the check of the delta's
// checksum (or, version 1, its result's hash), for fuzzing what lies
// behind it.
func ApplyDeltaUnchecked(base, delta []byte) (full []byte, err error) {
	defer recoverAPI(&err)
	st, err := applyDelta(base, delta, false)
	if err != nil {
		return nil, err
	}
	return st.Snapshot, nil
}

// SetQuicken turns superinstructions on or off for the programs prepared
// from now on (a program already run keeps its code), and returns a
// function that restores the setting.
func SetQuicken(on bool) (restore func()) {
	old := quicken
	quicken = on
	return func() { quicken = old }
}
