package metric

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"slices"
	"testing"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/backendtest"
)

// BenchmarkMetricLossGradient times one loss and gradient of each metric as
// a synthesis loss on 256×256 images: the summed metric of curie against
// einstein and its gradient with respect to curie, in one execution; the
// loss comes back to the host, the gradient stays where the backend put it
// (as in plenoptic: loss.item(), x.grad). ns/op is the mean, ms/median
// the median. testdata/bench/plenoptic_bench.py times the same workload in
// plenoptic (metric_loss_grad/<name>).
func BenchmarkMetricLossGradient(b *testing.B) {
	im := testImagesB(b)
	for _, name := range backendtest.Names {
		for _, m := range []string{"ssim", "ssim_weighted_reflect", "msssim", "nlpd"} {
			b.Run(fmt.Sprintf("%s/%s", name, m), func(b *testing.B) {
				be := backendtest.Get(b, name)
				exec, err := NewExec(be, func(x, ref *Node) (*Node, *Node) {
					loss := ReduceAllSum(metricFns[m](x, ref))
					return loss, Gradient(loss, x)[0]
				})
				if err != nil {
					b.Fatal(err)
				}
				x, ref := im["curie"].tensor(), im["einstein"].tensor()
				step := func() {
					out, err := exec.Exec(x, ref)
					if err != nil {
						b.Fatal(err)
					}
					_ = out[0].Value()
					out[0].FinalizeAll()
					out[1].FinalizeAll()
				}
				step() // compile outside the timing
				times := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for b.Loop() {
					start := time.Now()
					step()
					times = append(times, time.Since(start))
				}
				slices.Sort(times)
				b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "ms/median")
			})
		}
	}
}

// testImagesB returns einstein and curie for benchmarks.
func testImagesB(b *testing.B) map[string]image[float32] {
	out := map[string]image[float32]{}
	for name, f := range map[string]func() (*tensors.Tensor, error){"einstein": data.Einstein, "curie": data.Curie} {
		x, err := f()
		if err != nil {
			b.Fatal(err)
		}
		out[name] = image[float32]{v: tensors.MustCopyFlatData[float32](x), dims: x.Shape().Dimensions}
	}
	return out
}
