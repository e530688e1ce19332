// Package synth holds plenoptic's synthesis methods: Metamer (images that a
// model cannot tell apart from a target image), MetamerCTF (the same,
// coarse to fine), MADCompetition (images that two metrics disagree on most)
// and Eigendistortion (the image distortions a model is most and least
// sensitive to), together with the optimizers (Adam with AMSGrad, SGD), the
// learning-rate scheduler (ReduceLROnPlateau), the stop rules, progress
// reporting and saves that really resume.
//
// The three optimisation methods share one loop, OptimizedSynthesis, which
// each embeds (plenoptic's OptimizedSynthesis): the synthesized image and its
// optimizer, the records, stored progress, the stop rule, the range
// penalty, progress reports and the protection against non-finite steps;
// each method adds only its objective and its own records.
//
// Behaviour follows plenoptic 1.1.0:
//
//	plenoptic 1.1.0                            goplenoptic synth
//	Metamer(image, model, loss_function,       NewMetamer(image, model, MetamerOptions{
//	  range_penalty_lambda, allowed_range,       LossFunction, RangePenaltyLambda,
//	  initial_image)                             AllowedRange, InitialImage})
//	metamer.synthesize(max_iter, optimizer,    (*Metamer).Synthesize(SynthesizeOptions{MaxIter,
//	  scheduler, store_progress,                 Optimizer, Scheduler, StoreProgress,
//	  stop_criterion, stop_iters_to_check)       StopCriterion, StopItersToCheck})
//	metamer.losses / gradient_norm /           Losses() / GradientNorm() /
//	  pixel_change_norm / saved_metamer          PixelChangeNorm() / SavedMetamers()
//	metamer.objective_function()               Objective()
//	metamer.save / load                        Save / LoadMetamer (streams: WriteTo / ReadMetamer)
//	MetamerCTF(..., coarse_to_fine)            NewMetamerCTF(image, model, MetamerCTFOptions{
//	  .synthesize(change_scale_criterion,        MetamerOptions, CoarseToFine,
//	  ctf_iters_to_check)                        ChangeScaleCriterion, CtfItersToCheck})
//	metamer.scales / scales_loss /             Scales() / ScalesLoss() /
//	  scales_timing / scales_finished            ScalesTiming() / ScalesFinished()
//	MADCompetition(image, optimized_metric,    NewMADCompetition(image, optimized, reference,
//	  reference_metric, minmax, initial_noise,   Minimize|Maximize, MADOptions{InitialNoise,
//	  metric_tradeoff_lambda, ...)               MetricTradeoffLambda, ...})
//	mad.mad_image / optimized_metric_loss /    MADImage() / OptimizedMetricLoss() /
//	  reference_metric_loss                      ReferenceMetricLoss()
//	torch.optim.Adam(..., amsgrad=True)        NewAdam(AdamOptions{AMSGrad: true})
//	torch.optim.SGD                            NewSGD(SGDOptions{...})
//	torch.optim.lr_scheduler.ReduceLROnPlateau NewReduceLROnPlateau(PlateauOptions{})
//	Eigendistortion(image, model)              NewEigendistortion(image, model, EigendistortionOptions{})
//	eig.synthesize(method, k, max_iter, p, q,  (*Eigendistortion).Synthesize(EigenSynthesizeOptions{
//	  stop_criterion)                            Method: Power|Exact|RandomizedSVD, K, MaxIter, P, Q, StopCriterion})
//	eig.eigendistortions / eigenvalues /       Eigendistortions() / Eigenvalues() /
//	  eigenindex / jacobian                      Eigenindex() / Jacobian()
//
// Recording rules are plenoptic 1.1.0's: the loss, gradient norm and
// pixel-change norm of an iteration are those of the image before that
// iteration's step, so the loss of the final image is never recorded (call
// Objective); saved images are the pre-step images of the iterations that
// are multiples of StoreProgress.
//
// Nothing is lost: a step that gives a non-finite loss or image is refused
// (ErrNaNLoss) and the synthesis keeps the last image with a finite loss,
// its optimizer state and learning rate, so that it can resume; saves are
// atomic and checksummed (ErrCorrupt), and loading compares the model's
// parameters exactly (ErrMismatch).
//
// Speed: each synthesis compiles one step per (model, image shape,
// optimizer kind) on its GoMLX backend; the image, the optimizer's moments
// and the targets stay on the device between steps, and one execution
// computes the objective, its gradient, the optimizer update and the
// recorded norms. A power-method iteration of Eigendistortion is one
// execution with one Fisher product F v = Jᵀ(J v) (by double reverse-mode
// differentiation, or for a linear model with a Gram operator — see
// models.Gramian — by that operator: one FFT pair instead of two): the
// product that gives the Rayleigh quotient is reused by the next iteration.
//
// Output: plenoptic's messages and warnings go to the Log writer of each
// method's options (default os.Stderr). Errors: every exported function
// returns errors, prefixed "synth: "; panics raised by GoMLX or by a model
// while building or running a graph are recovered and returned.
package synth
