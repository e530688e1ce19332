package models

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/goplenoptic/goplenoptic/plenoptic/tools"
)

// PortillaSimoncelliLoss is the loss plenoptic 1.1.0's texture tutorials
// use for Portilla–Simoncelli metamers (po.tools.optim.l2_norm): the L2 norm
// of the representations' difference, tools.L2Norm. Pass it as
// synth.MetamerOptions.LossFunction. (plenoptic 2.x adds a reweighting
// factory, portilla_simoncelli_loss_factory, that 1.1.0 does not have.)
func PortillaSimoncelliLoss(rep, target *graph.Node) *graph.Node { return tools.L2Norm(rep, target) }

// StatsDict is a representation split into its named statistics
// (plenoptic's convert_to_dict): Keys in the representation's order
// (StatPixel, StatAutoCorrMagnitude, …), and for each a tensor [B, C, shape…]
// with NaN where the statistic is redundant (dropped from the tensor).
type StatsDict struct {
	Keys   []string
	Values map[string]*tensors.Tensor
}

// StatShape returns the shape (without batch and channel) of statistic name,
// e.g. [SpatialCorrWidth, SpatialCorrWidth, NOrientations, NScales] for
// StatAutoCorrMagnitude.
func (m *PortillaSimoncelli) StatShape(name string) ([]int, bool) {
	for _, st := range m.layout {
		if st.name == name {
			return append([]int(nil), st.shape...), true
		}
	}
	return nil, false
}

// ConvertToDict is plenoptic's convert_to_dict: rep [B, C, K] (a full
// representation, not one restricted to some scales) as named statistics.
func (m *PortillaSimoncelli) ConvertToDict(rep *tensors.Tensor) (StatsDict, error) {
	if rep == nil {
		return StatsDict{}, fmt.Errorf("models: PortillaSimoncelli: ConvertToDict of a nil tensor")
	}
	dims := rep.Shape().Dimensions
	if len(dims) != 3 {
		return StatsDict{}, fmt.Errorf("models: PortillaSimoncelli: representation must be 3-D [batch, channel, stats], got shape %v", dims)
	}
	if dims[2] != len(m.idx) {
		//lint:ignore ST1005 plenoptic's message, word for word
		return StatsDict{}, fmt.Errorf("models: PortillaSimoncelli: representation tensor is the wrong length (expected %d but got %d)! "+
			"Did you remove some of the scales? (i.e., by setting scales in the forward pass)? convert_to_dict does not support such tensors.",
			len(m.idx), dims[2])
	}
	vals, err := tools.Float64s(rep)
	if err != nil {
		return StatsDict{}, fmt.Errorf("models: PortillaSimoncelli: %w", err)
	}
	bc, k := dims[0]*dims[1], dims[2]
	out := StatsDict{Values: map[string]*tensors.Tensor{}}
	filled := 0
	for _, st := range m.layout {
		n := st.size()
		v := make([]float64, bc*n)
		for i := range v {
			v[i] = math.NaN()
		}
		for b := range bc {
			j := filled
			for i := range n {
				if st.keep[i] {
					v[b*n+i] = vals[b*k+j]
					j++
				}
			}
		}
		for i := range n {
			if st.keep[i] {
				filled++
			}
		}
		tdims := append([]int{dims[0], dims[1]}, st.shape...)
		out.Keys = append(out.Keys, st.name)
		out.Values[st.name] = tensorLike(v, rep.DType(), tdims)
	}
	return out, nil
}

// ConvertToTensor is plenoptic's convert_to_tensor, ConvertToDict's inverse:
// the kept statistics of d packed into [B, C, K] (the NaN placeholders are
// dropped).
func (m *PortillaSimoncelli) ConvertToTensor(d StatsDict) (*tensors.Tensor, error) {
	var bdims []int
	var dt dtypes.DType
	var parts [][]float64
	for _, st := range m.layout {
		t, ok := d.Values[st.name]
		if !ok || t == nil {
			return nil, fmt.Errorf("models: PortillaSimoncelli: ConvertToTensor: statistic %q is missing", st.name)
		}
		dims := t.Shape().Dimensions
		want := append([]int{-1, -1}, st.shape...)
		if len(dims) != len(want) {
			return nil, fmt.Errorf("models: PortillaSimoncelli: ConvertToTensor: %s has shape %v, want [B, C]+%v", st.name, dims, st.shape)
		}
		for i := 2; i < len(dims); i++ {
			if dims[i] != want[i] {
				return nil, fmt.Errorf("models: PortillaSimoncelli: ConvertToTensor: %s has shape %v, want [B, C]+%v", st.name, dims, st.shape)
			}
		}
		if bdims == nil {
			bdims, dt = dims[:2], t.DType()
		} else if dims[0] != bdims[0] || dims[1] != bdims[1] || t.DType() != dt {
			return nil, fmt.Errorf("models: PortillaSimoncelli: ConvertToTensor: %s is %s %v, other statistics %s [%d %d ...]",
				st.name, t.DType(), dims, dt, bdims[0], bdims[1])
		}
		v, err := tools.Float64s(t)
		if err != nil {
			return nil, fmt.Errorf("models: PortillaSimoncelli: ConvertToTensor: %s: %w", st.name, err)
		}
		parts = append(parts, v)
	}
	bc := bdims[0] * bdims[1]
	k := len(m.idx)
	out := make([]float64, 0, bc*k)
	for b := range bc {
		for si, st := range m.layout {
			n := st.size()
			for i := range n {
				if st.keep[i] {
					out = append(out, parts[si][b*n+i])
				}
			}
		}
	}
	return tensorLike(out, dt, []int{bdims[0], bdims[1], k}), nil
}

func tensorLike(v []float64, dt dtypes.DType, dims []int) *tensors.Tensor {
	if dt == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(v, dims...)
	}
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
	}
	return tensors.FromFlatDataAndDimensions(f, dims...)
}

// PSPlotPanel is one panel of plot_representation: a title and the values
// drawn as a stem plot.
type PSPlotPanel struct {
	Title  string
	Values []float64
}

// PSPlot is the data of plenoptic's PortillaSimoncelli.plot_representation:
// the panels in order, laid out on a Rows×Cols grid (row-major).
type PSPlot struct {
	Rows, Cols int
	Panels     []PSPlotPanel
}

// PlotData returns what plot_representation plots for batch item batchIdx
// of rep [B, C, K] (averaged over channels): the pixel statistics with the
// highpass variance; the std, skew and kurtosis of the reconstructions; the
// magnitudes' standard deviations; and the Euclidean norms (over the two
// spatial-shift or orientation axes, ignoring the redundant statistics) of
// the auto-correlations, the cross-orientation and (with more than one
// scale) the cross-scale correlations.
func (m *PortillaSimoncelli) PlotData(rep *tensors.Tensor, batchIdx int) (PSPlot, error) {
	if rep == nil || rep.Rank() != 3 {
		return PSPlot{}, fmt.Errorf("models: PortillaSimoncelli: PlotData needs a 3-D representation [batch, channel, stats]")
	}
	dims := rep.Shape().Dimensions
	if batchIdx < 0 || batchIdx >= dims[0] {
		return PSPlot{}, fmt.Errorf("models: PortillaSimoncelli: batch index %d out of range [0, %d)", batchIdx, dims[0])
	}
	vals, err := tools.Float64s(rep)
	if err != nil {
		return PSPlot{}, fmt.Errorf("models: PortillaSimoncelli: %w", err)
	}
	k := dims[2]
	mean := make([]float64, k)
	for c := range dims[1] {
		for i := range k {
			mean[i] += vals[(batchIdx*dims[1]+c)*k+i] / float64(dims[1])
		}
	}
	d, err := m.ConvertToDict(tensors.FromFlatDataAndDimensions(mean, 1, 1, k))
	if err != nil {
		return PSPlot{}, err
	}
	get := func(name string) []float64 { return tensors.MustCopyFlatData[float64](d.Values[name]) }
	cat := func(vs ...[]float64) []float64 {
		var out []float64
		for _, v := range vs {
			out = append(out, v...)
		}
		return out
	}
	var p PSPlot
	p.Panels = append(p.Panels,
		PSPlotPanel{"pixels+var_highpass", cat(get(StatPixel), get(StatVarHighpassResidual))},
		PSPlotPanel{"std+skew+kurtosis recon", cat(get(StatStdReconstructed), get(StatSkewReconstructed), get(StatKurtosisReconstructed))},
		PSPlotPanel{StatMagnitudeStd, get(StatMagnitudeStd)},
	)
	for _, name := range []string{StatAutoCorrReconstructed, StatAutoCorrMagnitude, StatCrossOrientationCorrMag,
		StatCrossScaleCorrMagnitude, StatCrossScaleCorrReal} {
		if m.nScales == 1 && (name == StatCrossScaleCorrMagnitude || name == StatCrossScaleCorrReal) {
			continue
		}
		shape, _ := m.StatShape(name)
		v := get(name)
		first := shape[0] * shape[1]
		rest := len(v) / first
		norm := make([]float64, rest)
		for i := range first {
			for j := range rest {
				if x := v[i*rest+j]; !math.IsNaN(x) {
					norm[j] += x * x
				}
			}
		}
		for j := range norm {
			norm[j] = math.Sqrt(norm[j])
		}
		p.Panels = append(p.Panels, PSPlotPanel{name, norm})
	}
	p.Rows = 3
	if m.nScales == 1 {
		p.Rows = 2
	}
	p.Cols = (len(p.Panels) + p.Rows - 1) / p.Rows
	return p, nil
}

// RepresentationPanels is PlotData in the form display.PlotRepresentation
// and the metamer status figures take (display.RepresentationPlotter):
// the grid's rows and each panel's title and values.
func (m *PortillaSimoncelli) RepresentationPanels(rep *tensors.Tensor, batchIdx int) (rows int, titles []string, values [][]float64, err error) {
	p, err := m.PlotData(rep, batchIdx)
	if err != nil {
		return 0, nil, nil, err
	}
	for _, pn := range p.Panels {
		titles = append(titles, pn.Title)
		values = append(values, pn.Values)
	}
	return p.Rows, titles, values, nil
}
