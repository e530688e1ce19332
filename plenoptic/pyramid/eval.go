package pyramid

import (
	"fmt"
	"strings"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/backend"
	"github.com/goplenoptic/goplenoptic/plenoptic/internal/compiled"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// TensorCoeffs are coefficients as tensors (the eager counterpart of
// Coeffs): float32 (or float64) tensors [B, C, h, w] for real bands,
// complex64 (complex128) tensors for the oriented bands of a complex pyramid,
// as plenoptic's dictionary holds them.
type TensorCoeffs struct {
	Keys  []Key
	Bands map[Key]*tensors.Tensor
}

// Get returns band k and whether it is present.
func (c TensorCoeffs) Get(k Key) (*tensors.Tensor, bool) {
	t, ok := c.Bands[k]
	return t, ok
}

// EvalForward is Forward on tensors, on the default backend.
func (p *Steerable) EvalForward(img *tensors.Tensor) (TensorCoeffs, error) {
	return p.EvalForwardScales(img, nil)
}

// EvalForwardScales is ForwardScales on tensors, on the default backend.
func (p *Steerable) EvalForwardScales(img *tensors.Tensor, scales []Level) (out TensorCoeffs, err error) {
	if err := tools.ValidateInput(img, tools.InputOptions{}); err != nil {
		return out, fmt.Errorf("pyramid: %w", err)
	}
	if err := p.CheckInput(img.Shape().Dimensions, img.DType()); err != nil {
		return out, err
	}
	if err := p.checkScales(scales); err != nil {
		return out, err
	}
	b, err := backend.Default()
	if err != nil {
		return out, err
	}
	var keys []Key
	exec, release, err := compiled.Acquire(b, p, "pyramid.forward"+levelsKey(scales), func() (*graph.Exec, error) {
		return graph.NewExec(b, func(x *graph.Node) []*graph.Node {
			c := p.ForwardScales(x, scales)
			return flattenCoeffs(c)
		})
	})
	if err != nil {
		return out, err
	}
	defer release()
	defer recoverTo(&err, "forward")
	res, err := exec.Exec(img)
	if err != nil {
		return out, fmt.Errorf("pyramid: forward: %w", err)
	}
	keys = p.selectedKeys(scales)
	return p.unflattenTensors(keys, res)
}

// EvalReconPyr is ReconPyr on tensors, on the default backend.
func (p *Steerable) EvalReconPyr(c TensorCoeffs, opts ReconOptions) (out *tensors.Tensor, err error) {
	if err := p.checkBands(c.info); err != nil {
		return nil, err
	}
	if _, err := p.selectKeys(opts); err != nil {
		return nil, err
	}
	var inputs []any
	for _, k := range p.Keys() {
		re, im := splitComplexTensor(c.Bands[k])
		for _, part := range []*tensors.Tensor{re, im} {
			if part == nil {
				continue
			}
			if err := finite(part); err != nil {
				return nil, fmt.Errorf("pyramid: band %s: %w", k, err)
			}
			inputs = append(inputs, part)
		}
	}
	b, err := backend.Default()
	if err != nil {
		return nil, err
	}
	kind := "pyramid.recon" + levelsKey(opts.Levels) + fmt.Sprint(opts.Bands == nil, opts.Bands)
	exec, release, err := compiled.Acquire(b, p, kind, func() (*graph.Exec, error) {
		return graph.NewExec(b, func(ins []*graph.Node) *graph.Node {
			return p.ReconPyr(p.unflattenNodes(ins), opts)
		})
	})
	if err != nil {
		return nil, err
	}
	defer release()
	defer recoverTo(&err, "recon_pyr")
	res, err := exec.Exec(inputs...)
	if err != nil {
		return nil, fmt.Errorf("pyramid: recon_pyr: %w", err)
	}
	return res[0], nil
}

func levelsKey(ls []Level) string {
	if ls == nil {
		return ":all"
	}
	var sb strings.Builder
	sb.WriteString(":")
	for _, l := range ls {
		sb.WriteString(l.String())
		sb.WriteString(",")
	}
	return sb.String()
}

func recoverTo(err *error, what string) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("pyramid: %s failed: %v", what, r)
	}
}

// selectedKeys is the key order of ForwardScales(x, scales).
func (p *Steerable) selectedKeys(scales []Level) []Key {
	if scales == nil {
		return p.Keys()
	}
	in := map[Level]bool{}
	for _, s := range scales {
		in[s] = true
	}
	var keys []Key
	for _, k := range p.Keys() {
		if in[k.Level] {
			keys = append(keys, k)
		}
	}
	return keys
}

// flattenCoeffs lists the parts of c in key order: Re, then Im for complex bands.
func flattenCoeffs(c Coeffs) []*graph.Node {
	var out []*graph.Node
	for _, k := range c.Keys {
		b := c.Bands[k]
		out = append(out, b.Re)
		if b.Im != nil {
			out = append(out, b.Im)
		}
	}
	return out
}

// unflattenNodes is flattenCoeffs' inverse for a full set of keys.
func (p *Steerable) unflattenNodes(ins []*graph.Node) Coeffs {
	var c Coeffs
	i := 0
	for _, k := range p.Keys() {
		b := Band{Re: ins[i]}
		i++
		if p.BandIsComplex(k) {
			b.Im = ins[i]
			i++
		}
		c.put(k, b)
	}
	return c
}

func (p *Steerable) unflattenTensors(keys []Key, res []*tensors.Tensor) (TensorCoeffs, error) {
	out := TensorCoeffs{Bands: map[Key]*tensors.Tensor{}}
	i := 0
	for _, k := range keys {
		t := res[i]
		i++
		if p.BandIsComplex(k) {
			z, err := joinComplexTensor(t, res[i])
			if err != nil {
				return out, err
			}
			t = z
			i++
		}
		out.Keys = append(out.Keys, k)
		out.Bands[k] = t
	}
	return out, nil
}

func (c TensorCoeffs) info(k Key) bandInfo {
	t, ok := c.Bands[k]
	if !ok || t == nil {
		return bandInfo{}
	}
	dt := t.DType()
	cplx := dt.IsComplex()
	switch dt {
	case dtypes.Complex64:
		dt = dtypes.Float32
	case dtypes.Complex128:
		dt = dtypes.Float64
	}
	return bandInfo{dims: t.Shape().Dimensions, dt: dt, complex: cplx, present: true}
}

func finite(t *tensors.Tensor) error {
	vals, err := tools.Float64s(t)
	if err != nil {
		return err
	}
	for i, v := range vals {
		if v != v || v > 1e308 || v < -1e308 {
			return fmt.Errorf("non-finite value %v at flat index %d", v, i)
		}
	}
	return nil
}
