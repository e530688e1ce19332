// Package metric holds plenoptic 1.1.0's image-quality metrics: SSIM and its
// map, MS-SSIM, NLPD and MSE.
//
// Each metric is first a graph function on *graph.Node, differentiable on
// every backend (XLA and pure Go), so it can be a synthesis loss; its eager
// twin Eval<Name> runs on backend.Default() and returns errors instead of
// panicking. All take two [B, C, H, W] float images with the same height and
// width whose batch and channel sizes are equal or 1, and return one value
// per image pair and channel, [B, C]. Check<Name> reports bad input as an
// error before a graph is built. plenoptic's warnings (colour images, small
// images, values outside [0, 1]) go to the Log writer of the options.
//
// The local filtering uses the filters package's convolution block and
// resampling (exact values and adjoint gradients, no ConvGeneral), so values
// and gradients match plenoptic on both backends.
//
// plenoptic 1.1.0 → goplenoptic:
//
//	po.metric.ssim(a, b, weighted, pad)        SSIM(a, b, SSIMOptions{Weighted, Pad}), EvalSSIM
//	po.metric.ssim_map(a, b)                   SSIMMap(a, b, SSIMMapOptions{}), EvalSSIMMap
//	po.metric.ms_ssim(a, b, power_factors)     MSSSIM(a, b, MSSSIMOptions{PowerFactors}), EvalMSSSIM
//	po.metric.nlpd(a, b)                       NLPD(a, b, NLPDOptions{}), EvalNLPD
//	po.metric.mse(a, b)                        MSE(a, b), EvalMSE
//	perceptual_distance.normalized_laplacian_pyramid
//	                                           NormalizedLaplacianPyramid, EvalNormalizedLaplacianPyramid
//	DN_filts.npy, DN_sigmas.npy                read from the data folder (data.Path)
//	simulate.LaplacianPyramid, tools.conv's blur_downsample, upsample_blur,
//	correlate_downsample, upsample_convolve    filters.LaplacianPyramid, BlurDownsample, UpsampleBlur,
//	                                           CorrelateDownsample, UpsampleConvolve
//
// MSE is plenoptic's metric.mse, one value per image ([B, C]); tools.MSE,
// the synthesis loss, averages over a whole batch (the same for one image).
//
// Differences from plenoptic: the range warning needs values, so only the
// Eval functions give it (the graph functions give the shape warnings when
// the graph is built); each warning is given once per call; NLPD needs both
// images to have the same dtype (plenoptic would promote) and says so when
// they are smaller than 33×33 (plenoptic fails inside torch's padding);
// an empty PowerFactors is an error (plenoptic fails with an IndexError);
// non-finite inputs are an error in the Eval functions. Like plenoptic,
// MS-SSIM accepts images of any size: scales smaller than 11 pixels use a
// smaller window, with a warning.
package metric
