//go:build ignore

// tutorial_workload runs every synthesis of the plenoptic tutorial notebook
// (spec §9) with goplenoptic and reports the wall time of each stage:
//
//	go run testdata/bench/tutorial_workload.go            # default backend (XLA CPU)
//	GOPLENOPTIC_BACKEND=go go run testdata/bench/tutorial_workload.go
//	go run testdata/bench/tutorial_workload.go lg    # only the stages whose name contains "lg"
//	go run testdata/bench/tutorial_workload.go -eigen lanczos   # eigendistortions by Lanczos
//	go run testdata/bench/tutorial_workload.go -json stages.json
//	go run testdata/bench/tutorial_workload.go -parallel 2      # independent stages on two goroutines
//
// Build it first (go build -o /tmp/tw testdata/bench/tutorial_workload.go) and
// run /usr/bin/time -v /tmp/tw for the program's own peak RSS. -json writes
// each stage's kind, model, batch, iterations (for an eigendistortion, the
// power iterations of both runs, or the Lanczos steps) and seconds, which
// compare.sh multiplies by plenoptic's per-iteration times. -parallel N runs
// the stages (independent syntheses sharing one backend) on N goroutines, in
// the order listed, to measure what a second core adds when XLA leaves it idle.
//
// Stages: Gaussian metamer (20 + 150 iterations, store_progress, converges
// early as in the notebook), Gaussian metamers from curie and pink noise (500
// iterations each, stop 1e-7), CenterSurround metamer batch 3 (1000, stop
// 1e-7), LuminanceGainControl metamer batch 3 (Adam lr 0.007 AMSGrad, 3500,
// stop 1e-11) and the eigendistortions (Gaussian, CS and LG on einstein, LG
// and CS on curie, CS on einstein again), power method, defaults.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/filters"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/synth"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

func check[T any](v T, err error) T {
	if err != nil {
		log.Fatal(err)
	}
	return v
}

func cat(ts ...*tensors.Tensor) *tensors.Tensor {
	var all []float32
	for _, t := range ts {
		all = append(all, tensors.MustCopyFlatData[float32](t)...)
	}
	return tensors.FromFlatDataAndDimensions(all, len(ts), 1, 256, 256)
}

// stageRecord is one stage of the -json output.
type stageRecord struct {
	Name       string  `json:"name"`
	Kind       string  `json:"kind"` // "metamer" or "eigen"
	Model      string  `json:"model"`
	Batch      int     `json:"batch"`
	Iterations int     `json:"iterations"`
	Products   int     `json:"fisher_products,omitempty"`
	Seconds    float64 `json:"seconds"`
}

func main() {
	eigenMethod := flag.String("eigen", "power", "eigendistortion method: power or lanczos")
	jsonOut := flag.String("json", "", "write the stages as JSON to this file")
	parallel := flag.Int("parallel", 1, "run the stages on this many goroutines")
	flag.Parse()
	filter := flag.Arg(0)
	method := synth.EigenMethod(*eigenMethod)
	if method != synth.Power && method != synth.Lanczos {
		log.Fatalf("-eigen must be power or lanczos, got %q", *eigenMethod)
	}
	var (
		records []stageRecord
		mu      sync.Mutex
		work    []func()
	)
	start := time.Now()
	// stage queues one synthesis; they run after all are queued.
	stage := func(name, kind, model string, batch int, f func() (string, int, int)) {
		if filter != "" && !strings.Contains(name, filter) {
			return
		}
		work = append(work, func() {
			t0 := time.Now()
			info, its, products := f()
			sec := time.Since(t0).Seconds()
			mu.Lock()
			defer mu.Unlock()
			records = append(records, stageRecord{Name: name, Kind: kind, Model: model, Batch: batch, Iterations: its, Products: products, Seconds: sec})
			fmt.Fprintf(os.Stderr, "%-34s %8.2f s  %s\n", name, sec, info)
		})
	}
	quiet := synth.SynthesizeOptions{ProgressBar: synth.ProgressBarOff}
	tools.Seed(1)
	img := check(data.Einstein())
	curie := check(data.Curie())
	pink := check(tools.PinkNoiseImage(256, 256, 1))
	gauss := check(models.NewGaussianBlur(models.GaussianBlurOptions{}))
	cs := check(models.NewCenterSurround(models.CenterSurroundOptions{KernelSize: models.Square(31),
		CenterStd: []float64{1.962}, SurroundStd: []float64{4.235}, PadMode: filters.Circular}))
	lg := check(models.NewLuminanceGainControl(models.FrontEndOptions{KernelSize: models.Square(31),
		PadMode: filters.Circular, Pretrained: true}))

	stage("gaussian metamer 20+150", "metamer", "gauss", 1, func() (string, int, int) {
		m := check(synth.NewMetamer(img, gauss, synth.MetamerOptions{}))
		o := quiet
		o.MaxIter, o.StoreProgress = 20, 1
		check(0, m.Synthesize(o))
		o.MaxIter = 150
		check(0, m.Synthesize(o))
		return fmt.Sprintf("%d iterations, %d saved", len(m.Losses()), len(m.SavedMetamers())), len(m.Losses()), 0
	})
	for _, init := range []struct {
		name string
		t    *tensors.Tensor
	}{{"curie", curie}, {"pink", pink}} {
		stage("gaussian metamer from "+init.name+" 500", "metamer", "gauss", 1, func() (string, int, int) {
			m := check(synth.NewMetamer(img, gauss, synth.MetamerOptions{InitialImage: init.t}))
			o := quiet
			o.MaxIter, o.StopCriterion = 500, 1e-7
			check(0, m.Synthesize(o))
			l := m.Losses()
			return fmt.Sprintf("%d iterations, last loss %.4g", len(l), l[len(l)-1]), len(l), 0
		})
	}
	eig := func(name, short string, im *tensors.Tensor, model models.Model) {
		stage("eigendistortion "+name, "eigen", short, 1, func() (string, int, int) {
			e := check(synth.NewEigendistortion(im, model, synth.EigendistortionOptions{}))
			check(0, e.Synthesize(synth.EigenSynthesizeOptions{Method: method, ProgressBar: synth.ProgressBarOff}))
			it := e.Iterations()
			return fmt.Sprintf("%s iterations %v, %d Fisher products, eigenvalues %.4g", method, it, e.FisherProducts(), e.Eigenvalues()),
				it[0] + it[1], e.FisherProducts()
		})
	}
	eig("gaussian einstein", "gauss", img, gauss)
	white := check(synth.NewMetamer(img, gauss, synth.MetamerOptions{})).InitialImage()
	stage("center-surround metamer B=3 1000", "metamer", "cs", 3, func() (string, int, int) {
		m := check(synth.NewMetamer(cat(img, img, img), cs, synth.MetamerOptions{InitialImage: cat(white, pink, curie)}))
		o := quiet
		o.MaxIter, o.StopCriterion = 1000, 1e-7
		check(0, m.Synthesize(o))
		return fmt.Sprintf("%d iterations", len(m.Losses())), len(m.Losses()), 0
	})
	eig("center-surround einstein", "cs", img, cs)
	stage("lg metamer B=3 3500", "metamer", "lg", 3, func() (string, int, int) {
		m := check(synth.NewMetamer(cat(img, img, img), lg, synth.MetamerOptions{InitialImage: cat(white, pink, curie)}))
		o := quiet
		o.MaxIter, o.StopCriterion = 3500, 1e-11
		o.Optimizer = check(synth.NewAdam(synth.AdamOptions{LR: 0.007, AMSGrad: true}))
		check(0, m.Synthesize(o))
		l := m.Losses()
		return fmt.Sprintf("%d iterations, last loss %.4g", len(l), l[len(l)-1]), len(l), 0
	})
	eig("lg einstein", "lg", img, lg)
	eig("lg curie", "lg", curie, lg)
	eig("center-surround curie", "cs", curie, cs)
	eig("center-surround einstein (again)", "cs", img, cs)
	jobs := make(chan func())
	var wg sync.WaitGroup
	for range max(1, *parallel) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range jobs {
				f()
			}
		}()
	}
	for _, f := range work {
		jobs <- f
	}
	close(jobs)
	wg.Wait()
	total := time.Since(start).Seconds()
	fmt.Fprintf(os.Stderr, "%-34s %8.2f s\n", "total", total)
	if *jsonOut != "" {
		out, err := json.MarshalIndent(map[string]any{"eigen_method": method, "parallel": *parallel, "total_seconds": total, "stages": records}, "", " ")
		if err != nil {
			log.Fatal(err)
		}
		if err := os.WriteFile(*jsonOut, out, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
