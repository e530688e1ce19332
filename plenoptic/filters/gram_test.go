package filters

import (
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

// Conv2DGram against the gradient of ½‖A v‖² (which is AᵀA v for the linear
// A) computed with the Toeplitz formulation, for a single kernel and a bank
// of three, on an odd×even image; where it does not apply it says so.
func TestConv2DGram(t *testing.T) {
	ks := testKernels(t)
	bank := [][]Kernel{{ks["gauss31"]}, {ks["dog7"]}, {ks["random5x4"]}}
	single := [][]Kernel{{ks["gauss31"]}}
	const h, w = 37, 40
	backendtest.ForEach(t, func(t *testing.T, b backends.Backend) {
		r := rand.New(rand.NewPCG(5, 6))
		v := tensors.FromFlatDataAndDimensions(randSlice(r, 2*h*w), 2, 1, h, w)
		hasFFT := b.Capabilities().Operations[backends.OpTypeFFT]
		for _, tc := range []struct {
			name    string
			weights [][]Kernel
		}{{"single", single}, {"bank", bank}} {
			t.Run(tc.name, func(t *testing.T) {
				var ok bool
				got, err := ExecOnce(b, func(v *Node) *Node {
					out, isOK := Conv2DGram(v, tc.weights, 1, Circular)
					if ok = isOK; !ok {
						return v
					}
					return out
				}, v)
				if err != nil {
					t.Fatal(err)
				}
				if ok != hasFFT {
					t.Fatalf("Conv2DGram ok = %v on a backend with FFT = %v", ok, hasFFT)
				}
				if !ok {
					return
				}
				forceFormulation = toeplitzFormulation
				want, err := ExecOnce(b, func(v *Node) *Node {
					return Gradient(MulScalar(ReduceAllSum(Square(Conv2D(v, tc.weights, 1, Circular))), 0.5), v)[0]
				}, v)
				forceFormulation = autoFormulation
				if err != nil {
					t.Fatal(err)
				}
				g, wv := tensors.MustCopyFlatData[float64](got), tensors.MustCopyFlatData[float64](want)
				if d := maxAbsDiff(g, wv); d > 1e-12*maxAbs(wv) {
					t.Errorf("AᵀA v differs from the Toeplitz gradient by %.3g (max %.3g)", d, maxAbs(wv))
				}
			})
		}
		t.Run("not applicable", func(t *testing.T) {
			two := tensors.FromFlatDataAndDimensions(randSlice(r, 2*h*w), 1, 2, h, w)
			for _, tc := range []struct {
				name    string
				x       *tensors.Tensor
				weights [][]Kernel
				groups  int
				mode    PadMode
			}{
				{"reflect padding", v, single, 1, Reflect},
				{"small kernel", v, [][]Kernel{{ks["gauss3x2"]}}, 1, Circular},
				{"two input channels", two, [][]Kernel{{ks["gauss31"], ks["gauss31"]}}, 1, Circular},
			} {
				_, err := ExecOnce(b, func(x *Node) *Node {
					if _, ok := Conv2DGram(x, tc.weights, tc.groups, tc.mode); ok {
						t.Errorf("%s: Conv2DGram applies", tc.name)
					}
					return x
				}, tc.x)
				if err != nil {
					t.Fatal(err)
				}
			}
		})
	})
}
