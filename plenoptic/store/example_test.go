package store_test

import (
	"fmt"
	"io"
	"log"
	"os"

	"github.com/goplenoptic/goplenoptic/plenoptic/data"
	"github.com/goplenoptic/goplenoptic/plenoptic/models"
	"github.com/goplenoptic/goplenoptic/plenoptic/store"
	"github.com/goplenoptic/goplenoptic/plenoptic/synth"
)

// The same metamer synthesis twice: computed, then loaded; with a larger
// MaxIter, resumed.
func ExampleStore_NewMetamer() {
	dir, err := os.MkdirTemp("", "store-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	s, err := store.Open(dir, store.Options{Log: io.Discard}) // io.Discard: no outcome lines
	if err != nil {
		log.Fatal(err)
	}
	img, err := data.Einstein()
	if err != nil {
		log.Fatal(err)
	}
	model, err := models.NewGaussianBlur(models.GaussianBlurOptions{})
	if err != nil {
		log.Fatal(err)
	}
	for _, iters := range []int{30, 30, 50} {
		m, err := s.NewMetamer(img, model, synth.MetamerOptions{Seed: 1, Log: io.Discard})
		if err != nil {
			log.Fatal(err)
		}
		outcome, err := m.Synthesize(synth.SynthesizeOptions{MaxIter: iters})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(outcome, len(m.Losses()))
	}
	// Output:
	// computed 30
	// loaded 30
	// resumed 50
}
