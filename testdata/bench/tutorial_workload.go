//go:build ignore

// tutorial_workload runs every synthesis of the plenoptic tutorial notebook
// (spec §9) with goplenoptic and reports the wall time of each stage:
//
//	go run testdata/bench/tutorial_workload.go            # default backend (XLA CPU)
//	GOPLENOPTIC_BACKEND=go go run testdata/bench/tutorial_workload.go
//	go run testdata/bench/tutorial_workload.go lg    # only the stages whose name contains "lg"
//
// Build it first (go build -o /tmp/tw testdata/bench/tutorial_workload.go) and
// run /usr/bin/time -v /tmp/tw for the program's own peak RSS.
//
// Stages: Gaussian metamer (20 + 150 iterations, store_progress, converges
// early as in the notebook), Gaussian metamers from curie and pink noise (500
// iterations each, stop 1e-7), CenterSurround metamer batch 3 (1000, stop
// 1e-7), LuminanceGainControl metamer batch 3 (Adam lr 0.007 AMSGrad, 3500,
// stop 1e-11) and the eigendistortions (Gaussian, CS and LG on einstein, LG
// and CS on curie, CS on einstein again), power method, defaults.
package main

import (
	"fmt"
	"log"
	"os"
	"strings"
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

func main() {
	start := time.Now()
	stage := func(name string, f func() string) {
		if len(os.Args) > 1 && !strings.Contains(name, os.Args[1]) {
			return
		}
		t0 := time.Now()
		info := f()
		fmt.Fprintf(os.Stderr, "%-34s %8.2f s  %s\n", name, time.Since(t0).Seconds(), info)
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

	stage("gaussian metamer 20+150", func() string {
		m := check(synth.NewMetamer(img, gauss, synth.MetamerOptions{}))
		o := quiet
		o.MaxIter, o.StoreProgress = 20, 1
		check(0, m.Synthesize(o))
		o.MaxIter = 150
		check(0, m.Synthesize(o))
		return fmt.Sprintf("%d iterations, %d saved", len(m.Losses()), len(m.SavedMetamers()))
	})
	for _, init := range []struct {
		name string
		t    *tensors.Tensor
	}{{"curie", curie}, {"pink", pink}} {
		stage("gaussian metamer from "+init.name+" 500", func() string {
			m := check(synth.NewMetamer(img, gauss, synth.MetamerOptions{InitialImage: init.t}))
			o := quiet
			o.MaxIter, o.StopCriterion = 500, 1e-7
			check(0, m.Synthesize(o))
			l := m.Losses()
			return fmt.Sprintf("%d iterations, last loss %.4g", len(l), l[len(l)-1])
		})
	}
	eig := func(name string, im *tensors.Tensor, model models.Model) {
		stage("eigendistortion "+name, func() string {
			e := check(synth.NewEigendistortion(im, model, synth.EigendistortionOptions{}))
			check(0, e.Synthesize(synth.EigenSynthesizeOptions{ProgressBar: synth.ProgressBarOff}))
			return fmt.Sprintf("iterations %v, eigenvalues %.4g", e.Iterations(), e.Eigenvalues())
		})
	}
	eig("gaussian einstein", img, gauss)
	white := check(synth.NewMetamer(img, gauss, synth.MetamerOptions{})).InitialImage()
	stage("center-surround metamer B=3 1000", func() string {
		m := check(synth.NewMetamer(cat(img, img, img), cs, synth.MetamerOptions{InitialImage: cat(white, pink, curie)}))
		o := quiet
		o.MaxIter, o.StopCriterion = 1000, 1e-7
		check(0, m.Synthesize(o))
		return fmt.Sprintf("%d iterations", len(m.Losses()))
	})
	eig("center-surround einstein", img, cs)
	stage("lg metamer B=3 3500", func() string {
		m := check(synth.NewMetamer(cat(img, img, img), lg, synth.MetamerOptions{InitialImage: cat(white, pink, curie)}))
		o := quiet
		o.MaxIter, o.StopCriterion = 3500, 1e-11
		o.Optimizer = check(synth.NewAdam(synth.AdamOptions{LR: 0.007, AMSGrad: true}))
		check(0, m.Synthesize(o))
		l := m.Losses()
		return fmt.Sprintf("%d iterations, last loss %.4g", len(l), l[len(l)-1])
	})
	eig("lg einstein", img, lg)
	eig("lg curie", curie, lg)
	eig("center-surround curie", curie, cs)
	eig("center-surround einstein (again)", img, cs)
	fmt.Fprintf(os.Stderr, "%-34s %8.2f s\n", "total", time.Since(start).Seconds())
}
