// Package display shows what a vision scientist looks at while using
// goplenoptic: image grids (Imshow), loss curves (PlotLoss), the status of a
// metamer synthesis (PlotSynthesisStatus, Animate), eigendistortions, and a
// live view that redraws while synthesis runs.
//
// It follows plenoptic 1.1.0 (and pyrtools, which plenoptic uses to draw):
// images are float32 tensors shaped [B,C,H,W]; each image pixel becomes
// exactly zoom×zoom screen pixels (no interpolation); figures have the same
// pixel geometry as pyrtools' PyrFigure at 96 dpi; titles read
// "{title}\n range: [{vmin:.1e}, {vmax:.1e}] \n dims: [{h}, {w}] * {zoom}".
//
// Everything renders to an image.Image first (Figure.Image); PNG, SVG and
// self-contained HTML are thin encoders on top. Under GoNB (a Go Jupyter
// kernel) Figure.Show displays inline; elsewhere it writes a file into the
// folder named by $GOPLENOPTIC_FIGURES (default ./figures) and prints its path.
// Outputs never reference the network.
//
// Where plenoptic only warns (an unknown vrange mode) or fails obscurely, this
// package returns a clear error instead; it never panics on bad input.
package display
