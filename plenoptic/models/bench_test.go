package models

import (
	"fmt"
	"slices"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

// BenchmarkForward times the forward pass of the tutorial's models on
// einstein, batches of 1 and 3, on XLA CPU and on pure Go. Compilation and a
// first run happen before the timer starts; each iteration runs the compiled
// graph and copies the result to the host.
//
//	go test -run '^$' -bench Forward -benchtime 20x ./plenoptic/models/
func BenchmarkForward(b *testing.B) {
	einstein, _ := images(b)
	tutorial := []struct {
		name  string
		model Model
	}{
		{"GaussianBlur", must(NewGaussianBlur(GaussianBlurOptions{}))},
		{"CenterSurround", must(tutorialCS())},
		{"LuminanceGainControl", must(tutorialLG())},
	}
	for _, m := range tutorial {
		for _, batch := range []int{1, 3} {
			var x []float32
			for range batch {
				x = slices.Concat(x, einstein)
			}
			for _, name := range backendtest.Names {
				b.Run(fmt.Sprintf("%s/%dx1x256x256/%s", m.name, batch, name), func(b *testing.B) {
					be := backendtest.Get(b, name)
					exec := graph.MustNewExec(be, m.model.Forward)
					in := tensors.FromFlatDataAndDimensions(x, batch, 1, 256, 256)
					tensors.MustCopyFlatData[float32](exec.MustExec1(in)) // compile and warm up
					b.ResetTimer()
					for range b.N {
						tensors.MustCopyFlatData[float32](exec.MustExec1(in))
					}
				})
			}
		}
	}
}
