package filters

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

// BenchmarkGaussianLossGradient times the MSE loss and its gradient for a
// 31×31 circular Gaussian filter on a 1×1×256×256 image, on each backend, and
// reports the median time of one iteration.
func BenchmarkGaussianLossGradient(b *testing.B) {
	k, _ := CircularGaussian2D(31, 31, 3)
	r := rand.New(rand.NewPCG(1, 1))
	imgData, targetData := toF32(randSlice(r, 256*256)), toF32(randSlice(r, 256*256))
	for _, name := range backendtest.Names {
		b.Run(name, func(b *testing.B) {
			be := backendtest.Get(b, name)
			img := tensors.FromFlatDataAndDimensions(imgData, 1, 1, 256, 256)
			target := tensors.FromFlatDataAndDimensions(targetData, 1, 1, 256, 256)
			step := lossAndGradient(be, k)
			step(img, target) // compile outside the timing
			times := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				loss, grad := step(img, target)
				loss.FinalizeAll()
				grad.FinalizeAll()
				times = append(times, time.Since(start))
			}
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms/median")
		})
	}
}
