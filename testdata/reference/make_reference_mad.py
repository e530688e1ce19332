#!/usr/bin/env python3
"""Parity reference for MAD Competition (plenoptic 1.1.0): out/mad/.

    .venv-ref/bin/python testdata/reference/make_reference_mad.py    (make reference runs it)

The four syntheses of the MAD_Competition_2 tutorial on a 64x64 crop of curie: MSE against
1 - SSIM (weighted, reflect padding, as the tutorial's model1), each of the two as the optimized
metric, minimized and maximized, 10 iterations with the default Adam (lr 0.01, AMSGrad) from an
injected initial image (the crop plus Gaussian noise of std 0.1 from a fixed NumPy seed, clamped to
[0, 1]) — plenoptic 1.1.0 has no initial_image argument, so the start is set on the object before
synthesis, with the records plenoptic's own initialisation makes. Recorded: losses, optimized and
reference metric losses, gradient and pixel-change norms, the final MAD image, and the automatic
metric_tradeoff_lambda plenoptic picks for each pair. The same four runs in float64 (the crop and
the start cast to float64; names f64_<run>_*) give the algorithm without float32 round-off: the
objective subtracts two nearly equal terms, so float32 runs of two correct implementations differ
by their round-off (compare each float32 run with the float64 one to see plenoptic's own share).
Deterministic: CPU torch, one thread.
"""
import os
import sys
import warnings

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

warnings.filterwarnings("ignore")
import plenoptic as po  # noqa: E402
from refout import Area  # noqa: E402

torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
AREA = Area("mad")
OUT = AREA.dir


def one_minus_ssim(x, y):
    return 1 - po.metric.ssim(x, y, weighted=True, pad="reflect")


def main():
    AREA.clear()
    data = os.environ.get("GOPLENOPTIC_DATA", os.path.join(ROOT, ".local", "data"))
    img = po.load_images(os.path.join(data, "curie.pgm"))[..., 96:160, 96:160].contiguous()
    assert torch.equal(img, po.data.curie()[..., 96:160, 96:160])
    save = AREA.save
    vector, scalar = AREA.vector, AREA.scalar
    save("image", img)
    rng = np.random.RandomState(7)
    init = (img + 0.1 * torch.from_numpy(rng.standard_normal(img.shape).astype(np.float32))).clamp(0, 1)
    save("initial", init)
    metrics = {"mse": po.metric.mse, "ssim": one_minus_ssim}
    lambdas = {("ssim", "min"): 10000, ("ssim", "max"): 1e6, ("mse", "min"): 1, ("mse", "max"): 10}
    for prefix, im, start in [("", img, init), ("f64_", img.double(), init.double())]:
        for (opt, target), lam in lambdas.items():
            ref = "mse" if opt == "ssim" else "ssim"
            torch.manual_seed(0)
            mad = po.synthesize.MADCompetition(im, metrics[opt], metrics[ref], target, metric_tradeoff_lambda=lam)
            # inject the start, redoing plenoptic's own initialisation records
            mad._mad_image = start.clone().requires_grad_()
            mad._initial_image = start.clone()
            mad._reference_metric_target = mad.reference_metric(mad.image, mad.mad_image).item()
            mad._reference_metric_loss = [mad._reference_metric_target]
            mad._optimized_metric_loss = [mad.optimized_metric(mad.image, mad.mad_image).item()]
            mad.synthesize(max_iter=10, stop_criterion=-1)
            name = f"{prefix}{opt}_{target}"
            vector(name + "_losses", mad.losses)
            vector(name + "_optimized_metric_loss", mad.optimized_metric_loss)
            vector(name + "_reference_metric_loss", mad.reference_metric_loss)
            vector(name + "_gradient_norm", mad.gradient_norm)
            vector(name + "_pixel_change_norm", mad.pixel_change_norm)
            scalar(name + "_lambda", mad.metric_tradeoff_lambda)
            save(name + "_mad_image", mad.mad_image)
            ratio = torch.as_tensor(mad.optimized_metric_loss[0] / mad.reference_metric_loss[0], dtype=im.dtype)
            scalar(name + "_auto_lambda", torch.pow(torch.as_tensor(10), torch.round(torch.log10(ratio))).item())
            # the automatic trade-off weight for this pair, from plenoptic's own noisy start (the
            # same for both targets)
            if not prefix and target == "min":
                auto = po.synthesize.MADCompetition(img, metrics[opt], metrics[ref], target)
                scalar(f"{opt}_{ref}_auto_lambda_default_start", auto.metric_tradeoff_lambda)
    AREA.meta.update({"plenoptic": po.__version__, "torch": torch.__version__, "numpy": np.__version__,
                     "image": "curie[..., 96:160, 96:160]", "initial": "clamp(image + 0.1*RandomState(7).standard_normal, 0, 1)",
                     "metrics": "mse and 1 - ssim(weighted=True, pad='reflect')", "iterations": 10,
                      "f64_": "the same runs on the crop and start cast to float64"})
    AREA.write()


if __name__ == "__main__":
    sys.exit(main())
