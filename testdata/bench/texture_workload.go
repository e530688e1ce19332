//go:build ignore

// texture_workload runs one whole coarse-to-fine Portilla–Simoncelli texture
// metamer synthesis (plenoptic's MetamerCTF) and reports its wall time:
// reptile_skin (256×256), PortillaSimoncelli defaults (4 scales, 4
// orientations, spatial_corr_width 9), the l2_norm loss, coarse to fine
// "together", plenoptic's default change_scale_criterion (1e-2) and
// ctf_iters_to_check (50), the default Adam (lr 0.01, AMSGrad), 1000
// iterations (stop criterion off):
//
//	go build -o /tmp/texw testdata/bench/texture_workload.go && /usr/bin/time -v /tmp/texw
//	/tmp/texw -iters 200 -json texture.json
//
// plenoptic_texture.py is the same synthesis in plenoptic 1.1.0; compare.sh
// runs both. The time includes compiling the graphs (printed separately).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/synth"
)

func main() {
	iters := flag.Int("iters", 1000, "iterations")
	jsonOut := flag.String("json", "", "write the timings as JSON to this file")
	flag.Parse()
	start := time.Now()
	img, err := data.ReptileSkin()
	if err != nil {
		log.Fatal(err)
	}
	ps, err := models.NewPortillaSimoncelli([2]int{256, 256}, models.PortillaSimoncelliOptions{})
	if err != nil {
		log.Fatal(err)
	}
	m, err := synth.NewMetamerCTF(img, ps, synth.MetamerCTFOptions{
		MetamerOptions: synth.MetamerOptions{LossFunction: models.PortillaSimoncelliLoss, Seed: 1, Log: io.Discard}})
	if err != nil {
		log.Fatal(err)
	}
	setup := time.Since(start).Seconds()
	t0 := time.Now()
	if err := m.Synthesize(synth.SynthesizeOptions{MaxIter: 1, StopCriterion: -1, ProgressBar: synth.ProgressBarOff}); err != nil {
		log.Fatal(err) // the first iteration compiles the step
	}
	first := time.Since(t0).Seconds()
	t1 := time.Now()
	if err := m.Synthesize(synth.SynthesizeOptions{MaxIter: *iters - 1, StopCriterion: -1, ProgressBar: synth.ProgressBarOff}); err != nil {
		log.Fatal(err)
	}
	rest := time.Since(t1).Seconds()
	total := time.Since(start).Seconds()
	l := m.Losses()
	fmt.Fprintf(os.Stderr, "MetamerCTF PS reptile_skin: %d iterations in %.1f s (set-up %.1f s, first iteration with compiling %.1f s, then %.2f ms/iteration); scales finished %v; last loss %.4g\n",
		len(l), total, setup, first, 1e3*rest/float64(max(1, len(l)-1)), m.ScalesFinished(), l[len(l)-1])
	if *jsonOut != "" {
		out, _ := json.MarshalIndent(map[string]any{"iterations": len(l), "total_seconds": total, "setup_seconds": setup,
			"first_iteration_seconds": first, "loop_seconds": rest, "last_loss": l[len(l)-1], "scales_finished": m.ScalesFinished()}, "", " ")
		if err := os.WriteFile(*jsonOut, out, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
