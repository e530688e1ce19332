package pyramid

import (
	"testing"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

// BenchmarkPyramidForwardInverse times plenoptic's default pyramid of a
// 256×256 image (SteerablePyramidFreq((256, 256)): height 6, order 3, real,
// downsampled): Forward then ReconPyr of every band, one execution, result
// copied to the host. Compilation happens before the timer starts.
//
//	go test -run '^$' -bench PyramidForwardInverse -benchtime 20x ./plenoptic/pyramid/
func BenchmarkPyramidForwardInverse(b *testing.B) {
	img := image(b, "einstein")
	p, err := NewSteerable([2]int{256, 256}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range backendtest.Names {
		b.Run(name+"/256", func(b *testing.B) {
			exec := graph.MustNewExec(backendtest.Get(b, name), func(x *graph.Node) *graph.Node {
				return p.ReconPyr(p.Forward(x), ReconOptions{})
			})
			in := tensors.FromFlatDataAndDimensions(img, 1, 1, 256, 256)
			tensors.MustCopyFlatData[float32](exec.MustExec1(in))
			b.ResetTimer()
			for range b.N {
				tensors.MustCopyFlatData[float32](exec.MustExec1(in))
			}
		})
	}
}
