package tools

import (
	crand "crypto/rand"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"sync"

	"gonum.org/v1/gonum/mathext/prng"
)

// RandomState reproduces NumPy's legacy numpy.random.RandomState bit for bit:
// the MT19937 generator seeded with init_genrand (gonum's prng.MT19937, which
// seeds identically), 53-bit doubles made of two 32-bit draws (random_sample)
// and Gaussian draws by the Marsaglia polar method that keeps the second value
// of each pair for the next call (randn), even across random_sample calls, as
// NumPy does. Only these sampling layers are written here.
//
// pyrtools' pink_noise draws from NumPy's global RandomState, so seeding a
// RandomState as np.random.seed does reproduces the tutorial's pink noise.
// A RandomState is not safe for concurrent use.
type RandomState struct {
	mt       *prng.MT19937
	hasGauss bool
	gauss    float64
}

// NewRandomState returns a RandomState seeded as np.random.RandomState(seed).
func NewRandomState(seed uint32) *RandomState {
	r := &RandomState{mt: prng.NewMT19937()}
	r.Seed(seed)
	return r
}

// Seed re-seeds r as np.random.seed(seed) does (MT19937 init_genrand), and
// drops any cached Gaussian value.
func (r *RandomState) Seed(seed uint32) {
	r.mt.Seed(uint64(seed))
	r.hasGauss, r.gauss = false, 0
}

// Uint32 returns the next 32-bit output of the MT19937 generator.
func (r *RandomState) Uint32() uint32 { return r.mt.Uint32() }

// Float64 returns a uniform value in [0, 1) built from two 32-bit draws
// (27 and 26 bits), as NumPy's random_sample does.
func (r *RandomState) Float64() float64 {
	a, b := r.Uint32()>>5, r.Uint32()>>6
	return (float64(a)*67108864.0 + float64(b)) / 9007199254740992.0
}

// NormFloat64 returns a standard normal value as NumPy's legacy Gaussian
// does: Marsaglia's polar method, returning the second value of a pair and
// keeping the first for the next call.
func (r *RandomState) NormFloat64() float64 {
	if r.hasGauss {
		r.hasGauss = false
		v := r.gauss
		r.gauss = 0
		return v
	}
	var x1, x2, r2 float64
	for {
		x1 = 2*r.Float64() - 1
		x2 = 2*r.Float64() - 1
		r2 = x1*x1 + x2*x2
		if r2 < 1 && r2 != 0 {
			break
		}
	}
	f := math.Sqrt(-2 * math.Log(r2) / r2)
	r.gauss, r.hasGauss = f*x1, true
	return f * x2
}

// Rand returns n uniform values in [0, 1) (np.random.rand(n)).
func (r *RandomState) Rand(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = r.Float64()
	}
	return out
}

// Randn returns n standard normal values (np.random.randn(n); a
// multi-dimensional randn fills its array in row-major order, so
// randn(h, w) is Randn(h*w) read row by row).
func (r *RandomState) Randn(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = r.NormFloat64()
	}
	return out
}

// torchDefaultSeed is the seed torch's default CPU generator starts with; the
// Go stream starts from it too so that unseeded runs are repeatable, as
// unseeded torch runs are.
const torchDefaultSeed = 67280421310721

var (
	rngMu sync.Mutex
	// goRNG stands in for torch's global generator: plenoptic's torch draws
	// (random initial images, random model scalars) come from it. It is a
	// different stream from torch's, so values differ from plenoptic's.
	goRNG = rand.New(rand.NewPCG(torchDefaultSeed, 0))
	// npRNG is NumPy's global RandomState; like NumPy's, it is seeded from
	// the operating system's entropy until Seed is called.
	npRNG *RandomState
)

// Seed seeds the package's random streams, as plenoptic's set_seed seeds
// torch and NumPy: the NumPy-compatible RandomState used by NumPyRandn and
// PinkNoise (bit-exact with np.random.seed(seed)), and the Go
// stream used by Rand and Randn and by the models' random initial values.
// The Go stream is not torch's: seeded draws are repeatable but differ from
// plenoptic's torch values.
func Seed(seed uint32) {
	rngMu.Lock()
	defer rngMu.Unlock()
	goRNG = rand.New(rand.NewPCG(uint64(seed), 0))
	if npRNG == nil {
		npRNG = NewRandomState(seed)
	} else {
		npRNG.Seed(seed)
	}
}

// globalNumPy returns NumPy's global state; the caller holds rngMu.
func globalNumPy() *RandomState {
	if npRNG == nil {
		var b [4]byte
		if _, err := crand.Read(b[:]); err != nil {
			binary.LittleEndian.PutUint32(b[:], uint32(rand.Uint64()))
		}
		npRNG = NewRandomState(binary.LittleEndian.Uint32(b[:]))
	}
	return npRNG
}

// Rand returns n uniform values in [0, 1) from the package's Go stream (the
// stand-in for torch.rand).
func Rand(n int) []float64 {
	rngMu.Lock()
	defer rngMu.Unlock()
	out := make([]float64, n)
	for i := range out {
		out[i] = goRNG.Float64()
	}
	return out
}

// Randn returns n standard normal values from the package's Go stream (the
// stand-in for torch.randn).
func Randn(n int) []float64 {
	rngMu.Lock()
	defer rngMu.Unlock()
	out := make([]float64, n)
	for i := range out {
		out[i] = goRNG.NormFloat64()
	}
	return out
}

// NumPyRandn returns n values of np.random.randn from the global
// NumPy-compatible state.
func NumPyRandn(n int) []float64 {
	rngMu.Lock()
	defer rngMu.Unlock()
	return globalNumPy().Randn(n)
}
