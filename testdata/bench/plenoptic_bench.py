#!/usr/bin/env python3
"""Side-by-side benchmark: the synthesis workloads of BenchmarkMetamerStep and
BenchmarkFisherProduct (plenoptic/synth/bench_test.go), timed in the real
plenoptic 1.1.0 on CPU torch with 2 threads.

Run with the reference venv (testdata/reference/setup_venv.sh creates it):

    .venv-ref/bin/python testdata/bench/plenoptic_bench.py [--iters N] [--only REGEX] [--device cuda]

--device cuda runs the same workloads on the GPU (testdata/bench/gpu_run.sh does, on a GPU
machine); the timings then end with torch.cuda.synchronize().

Prints one JSON object: {"meta": {...}, "ms_per_iter": {workload: milliseconds}}.
Workload names match the Go benchmarks:
  metamer_step/{gauss,cs,lg}/B={1,3}   one Metamer.synthesize iteration on 256x256
                                       (objective, backward, Adam/AMSGrad step,
                                       recorded norms), target einstein, init curie;
  fisher_power_step/{gauss,cs,lg}      one power-method iteration of Eigendistortion
                                       on einstein: F v, QR, Rayleigh quotient (two
                                       Fisher products, as _synthesize_power does);
  metric_loss_grad/{ssim,ssim_weighted_reflect,msssim,nlpd}
                                       one loss and gradient of a perceptual metric
                                       (BenchmarkMetricLossGradient in plenoptic/metric):
                                       metric(curie, einstein).sum() and its gradient
                                       with respect to curie;
  pyramid_fwd_inv/256                  SteerablePyramidFreq((256, 256)) defaults on einstein:
                                       forward then recon_pyr (no gradient);
  ps_forward_gradient/256              PortillaSimoncelli((256, 256)) defaults: l2_norm of
                                       model(x) and the reptile_skin target, and backward,
                                       at uniform noise x;
  ps_metamer_step/256                  one Metamer.synthesize iteration of reptile_skin with
                                       the PS model and loss_function=po.tools.optim.l2_norm
                                       (the loss of plenoptic 1.1.0's texture tutorials);
  mad_step/ssim_mse                    one MADCompetition.synthesize iteration on curie:
                                       1 - ssim(weighted, reflect) minimized at fixed MSE,
                                       metric_tradeoff_lambda 1e4, initial_noise 0.04
                                       (BenchmarkMADStep in plenoptic/synth).
"""

import argparse
import json
import os
import re
import sys
import time
import warnings

os.environ.setdefault("TQDM_DISABLE", "1")
warnings.filterwarnings("ignore")

import torch  # noqa: E402

import plenoptic as po  # noqa: E402
from plenoptic.simulate.canonical_computations.filters import circular_gaussian2d  # noqa: E402
from plenoptic.synthesize.eigendistortion import (  # noqa: E402
    fisher_info_matrix_eigenvalue,
    fisher_info_matrix_vector_product,
)
from plenoptic.tools.conv import same_padding  # noqa: E402

torch.set_num_threads(2)
torch.set_default_dtype(torch.float32)

# DEVICE is where the workloads run (--device); sync waits for it.
DEVICE = torch.device("cpu")


def sync():
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


class Gaussian(torch.nn.Module):
    """The tutorial notebook's Gaussian (spec §3.0)."""

    def __init__(self, kernel_size, std_dev=3):
        super().__init__()
        self.kernel_size = kernel_size
        self.conv = torch.nn.Conv2d(1, 1, kernel_size=kernel_size, padding=(0, 0), bias=False)
        self.conv.weight.data = circular_gaussian2d(kernel_size, float(std_dev))

    def forward(self, x):
        x = same_padding(x, self.kernel_size, pad_mode="circular")
        return self.conv(x)


def tutorial_models():
    gauss = Gaussian((31, 31))
    cs = po.simulate.CenterSurround((31, 31), center_std=1.962, surround_std=4.235, pad_mode="circular")
    lg = po.simulate.LuminanceGainControl((31, 31), pad_mode="circular")
    lg.load_state_dict({
        "luminance_scalar": torch.tensor([14.95]),
        "luminance.std": torch.tensor([4.235]),
        "center_surround.center_std": torch.tensor([1.962]),
        "center_surround.surround_std": torch.tensor([4.235]),
        "center_surround.amplitude_ratio": torch.tensor([1.25]),
    })
    models = {"gauss": gauss, "cs": cs, "lg": lg}
    for m in models.values():
        po.tools.remove_grad(m)
        m.eval()
        m.to(DEVICE)
    return models


def time_metamer(model, img, init, iters):
    met = po.synthesize.Metamer(img, model, initial_image=init)
    met.synthesize(max_iter=3, stop_criterion=-1)  # warm up, creates the optimizer
    t0 = time.perf_counter()
    met.synthesize(max_iter=iters, stop_criterion=-1)
    sync()
    return (time.perf_counter() - t0) / iters * 1e3


def time_power(model, img, iters):
    import contextlib
    import io
    with contextlib.redirect_stdout(io.StringIO()):
        eig = po.synthesize.Eigendistortion(img, model)
    x, y = eig._image_flat, eig._representation_flat
    dummy = torch.ones_like(y, requires_grad=True)
    v = torch.randn(len(x), 1, device=DEVICE)
    v = v / torch.linalg.vector_norm(v, dim=0, keepdim=True)

    def step(v):
        fv = fisher_info_matrix_vector_product(y, x, v, dummy)
        v_new, _ = torch.linalg.qr(fv, "reduced")
        lam = fisher_info_matrix_eigenvalue(y, x, v_new, dummy)
        return v_new, lam

    for _ in range(2):
        v, _ = step(v)
    t0 = time.perf_counter()
    for _ in range(iters):
        v, lam = step(v)
        lam.item()
    sync()
    return (time.perf_counter() - t0) / iters * 1e3


METRICS = {
    "ssim": lambda a, b: po.metric.ssim(a, b),
    "ssim_weighted_reflect": lambda a, b: po.metric.ssim(a, b, weighted=True, pad="reflect"),
    "msssim": lambda a, b: po.metric.ms_ssim(a, b),
    "nlpd": lambda a, b: po.metric.nlpd(a, b),
}


def time_metric(metric, x, ref, iters):
    x = x.clone().requires_grad_(True)

    def step():
        loss = metric(x, ref).sum()
        loss.backward()
        x.grad = None
        return loss.item()

    for _ in range(2):
        step()
    t0 = time.perf_counter()
    for _ in range(iters):
        step()
    sync()
    return (time.perf_counter() - t0) / iters * 1e3


def time_pyramid(img, iters):
    pyr = po.simulate.SteerablePyramidFreq(img.shape[-2:]).to(DEVICE)
    with torch.no_grad():
        for _ in range(2):
            pyr.recon_pyr(pyr(img))
        t0 = time.perf_counter()
        for _ in range(iters):
            pyr.recon_pyr(pyr(img))
        sync()
    return (time.perf_counter() - t0) / iters * 1e3


def ps_model(img):
    model = po.simulate.PortillaSimoncelli(img.shape[-2:])
    po.tools.remove_grad(model)
    model.eval()
    return model.to(DEVICE)


def time_ps_gradient(img, iters):
    model = ps_model(img)
    target = model(img)
    gen = torch.Generator().manual_seed(1)
    x = torch.rand(img.shape, generator=gen).to(DEVICE).requires_grad_()  # uniform noise, as a metamer's start
    for _ in range(2):
        x.grad = None
        po.tools.optim.l2_norm(model(x), target).backward()
    t0 = time.perf_counter()
    for _ in range(iters):
        x.grad = None
        loss = po.tools.optim.l2_norm(model(x), target)
        loss.backward()
        loss.item()
    sync()
    return (time.perf_counter() - t0) / iters * 1e3


def time_ps_metamer(img, iters):
    model = ps_model(img)
    met = po.synthesize.Metamer(img, model, loss_function=po.tools.optim.l2_norm)
    met.synthesize(max_iter=2, stop_criterion=-1)
    t0 = time.perf_counter()
    met.synthesize(max_iter=iters, stop_criterion=-1)
    sync()
    return (time.perf_counter() - t0) / iters * 1e3


def one_minus_ssim(x, y):
    return 1 - po.metric.ssim(x, y, weighted=True, pad="reflect")


def time_mad(img, iters):
    mad = po.synthesize.MADCompetition(img, one_minus_ssim, po.metric.mse, "min",
                                       metric_tradeoff_lambda=1e4, initial_noise=0.04)
    mad.synthesize(max_iter=3, stop_criterion=-1)  # warm up, creates the optimizer
    t0 = time.perf_counter()
    mad.synthesize(max_iter=iters, stop_criterion=-1)
    sync()
    return (time.perf_counter() - t0) / iters * 1e3


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--only", default="")
    ap.add_argument("--device", default="cpu", help="cpu or cuda")
    args = ap.parse_args()
    global DEVICE
    DEVICE = torch.device(args.device)
    torch.manual_seed(0)
    img, curie = po.data.einstein().to(DEVICE), po.data.curie().to(DEVICE)
    models = tutorial_models()
    out = {}
    for name, model in models.items():
        for batch in (1, 3):
            key = f"metamer_step/{name}/B={batch}"
            if args.only and not re.search(args.only, key):
                continue
            out[key] = time_metamer(model, img.repeat(batch, 1, 1, 1), curie.repeat(batch, 1, 1, 1), args.iters)
            print(f"{key}: {out[key]:.2f} ms", file=sys.stderr)
    for name, model in models.items():
        key = f"fisher_power_step/{name}"
        if args.only and not re.search(args.only, key):
            continue
        out[key] = time_power(model, img, args.iters)
        print(f"{key}: {out[key]:.2f} ms", file=sys.stderr)
    for name, metric in METRICS.items():
        key = f"metric_loss_grad/{name}"
        if args.only and not re.search(args.only, key):
            continue
        out[key] = time_metric(metric, curie, img, args.iters)
    reptile = po.data.reptile_skin().to(DEVICE)
    for key, fn in [("pyramid_fwd_inv/256", lambda: time_pyramid(img, args.iters)),
                    ("ps_forward_gradient/256", lambda: time_ps_gradient(reptile, args.iters)),
                    ("ps_metamer_step/256", lambda: time_ps_metamer(reptile, args.iters))]:
        if args.only and not re.search(args.only, key):
            continue
        out[key] = fn()
        print(f"{key}: {out[key]:.2f} ms", file=sys.stderr)
    key = "mad_step/ssim_mse"
    if not args.only or re.search(args.only, key):
        out[key] = time_mad(curie, args.iters)
        print(f"{key}: {out[key]:.2f} ms", file=sys.stderr)
    meta = {
        "plenoptic": po.__version__,
        "torch": torch.__version__,
        "torch_num_threads": torch.get_num_threads(),
        "iters": args.iters,
        "cpu_count": os.cpu_count(),
        "device": str(DEVICE) if DEVICE.type == "cpu" else torch.cuda.get_device_name(DEVICE),
    }
    print(json.dumps({"meta": meta, "ms_per_iter": out}, indent=1))


if __name__ == "__main__":
    main()
