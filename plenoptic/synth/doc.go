// Package synth holds plenoptic's synthesis methods: Metamer (images that a
// model cannot tell apart from a target image) and Eigendistortion (the
// image distortions a model is most and least sensitive to), together with
// the optimizers (Adam with AMSGrad, SGD), the learning-rate scheduler
// (ReduceLROnPlateau), the stop rules, progress reporting and Save/Load that
// really resume.
//
// Behaviour follows plenoptic 1.1.0 (po.synthesize.Metamer and
// po.synthesize.Eigendistortion):
//
//	plenoptic 1.1.0                            goplenoptic synth
//	Metamer(image, model, loss_function,       NewMetamer(image, model, MetamerOptions{
//	  range_penalty_lambda, allowed_range,       LossFunction, RangePenaltyLambda,
//	  initial_image)                             AllowedRange, InitialImage})
//	metamer.synthesize(max_iter, optimizer,    (*Metamer).Synthesize(SynthOptions{MaxIter,
//	  scheduler, store_progress,                 Optimizer, Scheduler, StoreProgress,
//	  stop_criterion, stop_iters_to_check)       StopCriterion, StopItersToCheck})
//	metamer.losses / gradient_norm /           Losses() / GradientNorm() /
//	  pixel_change_norm / saved_metamer          PixelChangeNorm() / SavedMetamers()
//	metamer.objective_function()               Objective()
//	metamer.save / load                        Save / LoadMetamer
//	torch.optim.Adam(..., amsgrad=True)        NewAdam(AdamOptions{AMSGrad: true})
//	torch.optim.SGD                            NewSGD(SGDOptions{...})
//	torch.optim.lr_scheduler.ReduceLROnPlateau NewReduceLROnPlateau(PlateauOptions{})
//	Eigendistortion(image, model)              NewEigendistortion(image, model)
//	eig.synthesize(method, k, max_iter, p, q,  (*Eigendistortion).Synthesize(EigenOptions{
//	  stop_criterion)                            Method, K, MaxIter, P, Q, StopCriterion})
//	eig.eigendistortions / eigenvalues /       Eigendistortions() / Eigenvalues() /
//	  eigenindex / jacobian                      Eigenindex() / Jacobian()
//
// Recording rules are plenoptic 1.1.0's: the loss, gradient norm and
// pixel-change norm of an iteration are those of the image before that
// iteration's step, so the loss of the final metamer is never recorded (call
// Objective); saved metamers are the pre-step images of the iterations that
// are multiples of StoreProgress.
//
// Speed: each synthesis compiles one step per (model, image shape,
// optimizer kind) on the chosen GoMLX backend; the metamer, the optimizer's
// moments and the target representation stay on the device between steps,
// and one execution computes the objective, its gradient, the optimizer
// update and the recorded norms. The eigendistortion power step (two Fisher
// products F v = Jᵀ(J v) by double reverse-mode differentiation, the shift,
// the normalisation and the Rayleigh quotient) is one execution too.
//
// Errors: every exported function returns errors; panics raised by GoMLX or
// by a model while building or running a graph are recovered and returned.
package synth
