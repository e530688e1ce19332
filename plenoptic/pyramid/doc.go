// Package pyramid is plenoptic's steerable pyramid,
// po.simulate.SteerablePyramidFreq (1.1.0): a multi-scale, multi-orientation
// decomposition of images computed in the Fourier domain with circular
// boundaries, exactly invertible for even image sizes.
//
// plenoptic → goplenoptic:
//
//	SteerablePyramidFreq(image_shape, height, order, twidth,    NewSteerable(imageShape, Options{Height, Order, TWidth,
//	    is_complex, downsample, tight_frame)                        IsComplex, NoDownsample, TightFrame})
//	pyr(x), pyr.forward(x, scales=...)                          p.Forward(x), p.ForwardScales(x, scales) (graph);
//	                                                            p.EvalForward(img), p.EvalForwardScales(img, scales)
//	pyr.recon_pyr(coeffs, levels, bands)                        p.ReconPyr(coeffs, ReconOptions{Levels, Bands});
//	                                                            p.EvalReconPyr(coeffs, ReconOptions{...})
//	coeffs[(scale, orientation)], coeffs["residual_lowpass"]    coeffs.Get(BandKey(scale, orientation)), coeffs.Get(LowpassKey)
//	pyr.scales, pyr.num_scales, pyr.num_orientations, pyr_size  p.Scales(), p.NumScales(), p.NumOrientations(), p.BandShape(k)
//	convert_pyr_to_tensor, convert_tensor_to_pyr                ConvertPyrToTensor, ConvertTensorToPyr (graph);
//	                                                            EvalConvertPyrToTensor, EvalConvertTensorToPyr
//
// On the graph a band is a Band: its real part and, for the oriented bands
// of a complex pyramid, its imaginary part, as two real nodes (GoMLX's
// pure-Go backend has no complex numbers; Band.Complex makes one complex node
// on XLA). The eager functions return tensors as plenoptic does: complex64
// for complex bands.
//
// Everything is differentiable. The transforms are XLA's FFT on XLA, and on
// the pure-Go backend the DFT as products with precomputed cosine and sine
// matrices (four-step for lengths that split into factors ≥ 8); the linear
// maps carry their adjoints as custom gradients, so gradients are exact on
// both backends. Second-order gradients (as Fisher-matrix products need) are
// not available through the pyramid: GoMLX v0.26 cannot differentiate the
// gradient of its complex and slicing operations.
//
// Like plenoptic, the pyramid accepts any image size (odd sizes print
// plenoptic's warning that the reconstruction is not exact); the height must
// not exceed floor(log2(min(h, w))) − 2. The masks are computed on the host
// in float64 exactly as plenoptic computes them (bit-identical in float32).
package pyramid
