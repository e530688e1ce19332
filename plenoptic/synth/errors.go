package synth

import "errors"

// Errors that callers test with errors.Is. Every error this package returns
// starts with "synth: " and the function that failed; these values are
// wrapped inside.
var (
	// ErrNaNLoss: a synthesis step gave a non-finite loss or image
	// (plenoptic's "Found a NaN in loss during optimization."). The synthesis
	// keeps the last finite image and optimizer state: lower the learning
	// rate (Optimizer().SetLR) and call Synthesize again to resume.
	ErrNaNLoss = errors.New("Found a NaN in loss during optimization.") //lint:ignore ST1005 plenoptic's message, word for word
	// ErrNotConverged: an eigensolver stopped at its iteration limit before
	// its residual criterion was met; the results of the last iteration are
	// kept.
	ErrNotConverged = errors.New("not converged")
	// ErrCorrupt: a saved file is truncated, damaged or not a goplenoptic
	// file (its checksum or header does not match).
	ErrCorrupt = errors.New("saved file is corrupt")
	// ErrMismatch: a saved file does not belong to the model, image or loss
	// function it is loaded with.
	ErrMismatch = errors.New("saved synthesis does not match")
	// ErrDegenerate: the model gives no information to work with at the
	// image (its output does not depend on the input, or the Fisher matrix
	// vanishes on the starting vectors).
	ErrDegenerate = errors.New("degenerate model")
)
