// Package display shows what a vision scientist looks at while using
// goplenoptic: image grids (Imshow), loss curves (PlotLoss), the status of a
// metamer synthesis (PlotSynthesisStatus, Animate), eigendistortions, MAD
// Competition (PlotMADSynthesisStatus, MADImageAll, PlotMADLossAll, …), line
// and scatter plots (PlotXY), and a live view that redraws while synthesis
// runs (Live).
//
// It follows plenoptic 1.1.0 (and pyrtools, which plenoptic uses to draw):
// images are float32 tensors shaped [B,C,H,W]; each image pixel becomes
// exactly zoom×zoom screen pixels (no interpolation); figures have the same
// pixel geometry as pyrtools' PyrFigure at 96 dpi; titles read
// "{title}\n range: [{vmin:.1e}, {vmax:.1e}] \n dims: [{h}, {w}] * {zoom}".
// It works on tensors and on three small interfaces, MetamerView,
// EigendistortionView and MADView, which synth.Metamer,
// synth.Eigendistortion and synth.MADCompetition implement; it does not
// import the synthesis or model packages.
//
// plenoptic's names and theirs here:
//
//	po.imshow                          Imshow
//	plot_loss                          PlotLoss
//	display_metamer                    MetamerImage
//	plot_representation_error          PlotRepresentationError
//	plot_pixel_values                  PlotPixelValues
//	plot_synthesis_status              PlotSynthesisStatus
//	animate                            Animate
//	pyrshow                            PyrShow (PyrBand; nb.PyrShow takes pyramid coefficients)
//	animshow                           AnimShow (videos [B,C,T,H,W]; StackFrames)
//	plot_complex='polar', ...          Rectangular, Polar, LogPolar (PlotComplex)
//	model.plot_representation          PlotRepresentation (RepresentationPlotter)
//	display_eigendistortion            EigendistortionImage
//	eigendistortion_imshow_all (2.x)   EigendistortionGrid
//	MAD: plot_loss                     PlotMADLoss (two axes: reference, optimized metric)
//	MAD: display_mad_image             MADImage
//	MAD: plot_pixel_values             PlotMADPixelValues
//	MAD: plot_synthesis_status         PlotMADSynthesisStatus
//	MAD: animate                       AnimateMAD
//	display_mad_image_all              MADImageAll
//	plot_loss_all                      PlotMADLossAll
//	plt.subplots + plot / scatter      PlotXY (XYPanel, Series; CycleColor is "C<i>")
//	vrange='indep1', 'auto0', ...      Indep1, Auto0, ... (VRangeMode); 'auto' is Auto1
//	vrange=(vmin, vmax)                Limits{Min: vmin, Max: vmax}
//	included_plots, width_ratios keys  PanelMetamer, PanelLoss, PanelRepresentationError, PanelPixelValues
//	                                   (MAD: PanelMADImage, PanelLoss, PanelPixelValues)
//	batch_idx=0, channel_idx=2         BatchIdx: new(0), ChannelIdx: new(2)
//
// Everything renders to an image.Image first (Figure.Image); PNG, SVG and
// self-contained HTML are thin encoders on top. Under GoNB (a Go Jupyter
// kernel) Figure.Show displays inline; elsewhere it writes a file into the
// folder named by $GOPLENOPTIC_FIGURES (default ./figures) and prints its
// path. Outputs never reference the network.
//
// Errors start with "display: " and the function's name. Where plenoptic
// only warns (an unknown vrange mode) or fails obscurely, this package
// returns a clear error instead; it never panics on bad input. A figure
// beyond MaxFigureSide pixels a side or MaxFigurePixels in all (a huge Zoom,
// ColWrap or FigSize) is refused before it is allocated, with an error
// wrapping ErrTooLarge.
package display
