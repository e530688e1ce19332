#!/usr/bin/env python3
"""Parity data for plenoptic/metric (and the resampling filters it uses), from plenoptic 1.1.0.

Run from anywhere with the reference venv (`make reference` runs every make_reference_*.py):

    .venv-ref/bin/python testdata/reference/make_reference_metric.py

Writes testdata/reference/out/metric/ in the layout of make_reference.py (index.json with
meta/cases/scalars/vectors/texts plus raw little-endian .f32/.f64 arrays, C order); Go tests
read the entries as "metric/<name>" through internal/reftest.

Inputs are the shipped images einstein, curie (256x256) and parrot as gray (254x266, an odd
size), loaded as po.data.* does, and three distortions of each that the Go tests rebuild
bit for bit with float32 arithmetic (their sha256 are recorded in meta.distorted):

  noise     clamp(img + noise, 0, 1), noise = 0.1 * randn from torch.Generator().manual_seed(0)
            (256x256) / manual_seed(1) (254x266); the noise arrays are stored (noise_HxW);
  blur      three passes of the binomial [1, 2, 1] / 4 along the width then the height with
            circular wrap, each pass ((roll(x, 1) + 2x) + roll(x, -1)) * 0.25 (a Gaussian-like
            blur, sigma ~1.2 px);
  contrast  clamp(img + 0.25 * (2 img - 1), 0, 1) (contrast stretched by 1.5 about 0.5).

Everything is float32 on one CPU thread; float64 cases (f64_*) run plenoptic on float64 crops
to pin the algorithm beyond float32 round-off. The run is deterministic.
"""

import hashlib
import json
import os
import sys
import warnings

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

warnings.filterwarnings("ignore")
import plenoptic as po  # noqa: E402
from refout import Area, jsonable  # noqa: E402
from plenoptic.metric.perceptual_distance import normalized_laplacian_pyramid  # noqa: E402
from plenoptic.simulate.canonical_computations import LaplacianPyramid  # noqa: E402
from plenoptic.tools.conv import (  # noqa: E402
    blur_downsample,
    correlate_downsample,
    upsample_blur,
    upsample_convolve,
)

torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(HERE, "out", "metric")

AREA = Area("metric")
OUT = AREA.dir
INDEX = AREA.index
save, scalar, vector, text = AREA.save, AREA.scalar, AREA.vector, AREA.text
_jsonable = jsonable


def sha(t):
    return hashlib.sha256(np.ascontiguousarray(t.detach().numpy()).tobytes()).hexdigest()


# ------------------------------------------------------------------------------------------
# inputs
# ------------------------------------------------------------------------------------------

def data_dir():
    return os.environ.get("GOPLENOPTIC_DATA") or os.path.join(ROOT, ".local", "data")


def load(name, fname, as_gray=True):
    path = os.path.join(data_dir(), fname)
    img = po.load_images(path, as_gray=as_gray)
    ref = getattr(po.data, name)(as_gray=as_gray)
    assert torch.equal(img, ref), f"{path} differs from po.data.{name}()"
    with open(path, "rb") as f:
        INDEX["meta"].setdefault("inputs", {})[name] = {
            "file": fname, "sha256": hashlib.sha256(f.read()).hexdigest()}
    return img


def blur(x):
    for dim in (-1, -2):
        for _ in range(3):
            x = ((torch.roll(x, 1, dim) + 2 * x) + torch.roll(x, -1, dim)) * 0.25
    return x


def contrast(x):
    return torch.clamp(x + 0.25 * (2 * x - 1), 0, 1)


def noise_for(shape, seed):
    g = torch.Generator().manual_seed(seed)
    return 0.1 * torch.randn(shape, generator=g)


# ------------------------------------------------------------------------------------------
# metric helpers
# ------------------------------------------------------------------------------------------

METRICS = {
    "ssim": lambda a, b: po.metric.ssim(a, b),
    "ssim_weighted": lambda a, b: po.metric.ssim(a, b, weighted=True),
    "ssim_reflect": lambda a, b: po.metric.ssim(a, b, pad="reflect"),
    "ssim_weighted_reflect": lambda a, b: po.metric.ssim(a, b, weighted=True, pad="reflect"),
    "ssim_circular": lambda a, b: po.metric.ssim(a, b, pad="circular"),
    "ssim_constant": lambda a, b: po.metric.ssim(a, b, pad="constant"),
    "msssim": lambda a, b: po.metric.ms_ssim(a, b),
    "nlpd": lambda a, b: po.metric.nlpd(a, b),
    "mse": lambda a, b: po.metric.mse(a, b),
}


def value_and_t64(name, metric, a, b, store=None):
    """Store metric(a, b) (float32) under name, and the same in float64 under t64_<name>: the
    difference is torch's own float32 round-off, which the Go tolerances allow for."""
    store = store or scalar
    store(name, metric(a, b))
    store("t64_" + name, metric(a.double(), b.double()))


def t64_error(name, fn, a, b, relative=False):
    """Scalar t64err_<name>: max |fn(float32) - fn(float64)| (divided by max |fn(float64)| when
    relative), torch's own float32 error for an array result."""
    r32, r64 = fn(a, b).double(), fn(a.double(), b.double())
    err = (r32 - r64).abs().max()
    if relative:
        err = err / r64.abs().max()
    scalar("t64err_" + name, err)


def grad_of(metric, a, b):
    a = a.clone().requires_grad_(True)
    metric(a, b).sum().backward()
    return a.grad


def record_warnings(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    return out, [str(x.message) for x in w]


def error_of(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - we record whatever plenoptic raises
        return [type(e).__name__, str(e)]
    return ["no error"]


# ------------------------------------------------------------------------------------------
# sections
# ------------------------------------------------------------------------------------------

def full_images(imgs):
    """Values of every metric on every (distorted, original) pair; maps and gradients of a few."""
    noise = {(256, 256): noise_for((1, 1, 256, 256), 0), (254, 266): noise_for((1, 1, 254, 266), 1)}
    for hw, n in noise.items():
        save(f"noise_{hw[0]}x{hw[1]}", n, {"what": "0.1 * randn", "seed": 0 if hw == (256, 256) else 1})
    pairs = {}
    for name, img in imgs.items():
        hw = tuple(img.shape[-2:])
        dist = {
            "noise": torch.clamp(img + noise[hw], 0, 1),
            "blur": blur(img),
            "contrast": contrast(img),
        }
        INDEX["meta"].setdefault("images", {})[name] = sha(img)
        for d, x in dist.items():
            INDEX["meta"].setdefault("distorted", {})[f"{name}_{d}"] = sha(x)
            pairs[f"{name}_{d}"] = (x, img)
        pairs[f"{name}_identical"] = (img, img)
    pairs["einstein_curie"] = (imgs["einstein"], imgs["curie"])

    full = ("ssim", "ssim_weighted", "ssim_reflect", "ssim_weighted_reflect", "msssim", "nlpd", "mse")
    for pname, (a, b) in pairs.items():
        for mname in full:
            value_and_t64(f"{mname}_{pname}", METRICS[mname], a, b)

    # Arrays of the full images are torch's float64 results (the exact answer up to float64
    # round-off) stored as float32; t64err_<name> is how far torch's own float32 result is from it.
    t64note = {"what": "torch float64 result, rounded to float32",
               "t64err": "max |float32 result - float64 result| (relative to max |float64| for gradients)"}
    for pname in ("einstein_noise", "parrot_blur", "curie_contrast"):
        a, b = pairs[pname]
        save(f"ssimmap_{pname}", po.metric.ssim_map(a.double(), b.double()).float(), t64note)
        t64_error(f"ssimmap_{pname}", po.metric.ssim_map, a, b)

    grads = {
        "ssim": ("einstein_noise", "curie_blur", "parrot_contrast"),
        "ssim_weighted_reflect": ("einstein_noise", "parrot_blur"),
        "msssim": ("einstein_noise", "parrot_contrast"),
        # not on the clipped contrast images: their flat saturated regions have Laplacian
        # coefficients that are 0 up to round-off, where |.|'s gradient (sign) is decided by it
        "nlpd": ("einstein_noise", "curie_blur", "parrot_blur"),
    }
    for mname, plist in grads.items():
        for pname in plist:
            a, b = pairs[pname]
            g = lambda a, b: grad_of(METRICS[mname], a, b)  # noqa: E731
            save(f"grad_{mname}_{pname}", g(a.double(), b.double()).float(),
                 dict(t64note, of=f"sum({mname}(distorted, original))", wrt="distorted"))
            t64_error(f"grad_{mname}_{pname}", g, a, b, relative=True)
    return pairs


def float64_crops(imgs):
    """float64 runs on crops: the algorithm without float32 round-off."""
    crops = {
        "einstein_noise_c64": (imgs["einstein"][..., 96:160, 96:160], (96, 160, 96, 160), "noise"),
        "parrot_blur_c61x67": (imgs["parrot"][..., 100:161, 90:157], (100, 161, 90, 157), "blur"),
        "curie_contrast_c48x40": (imgs["curie"][..., 60:108, 150:190], (60, 108, 150, 190), "contrast"),
    }
    n64 = noise_for((1, 1, 256, 256), 0)
    for cname, (c, box, d) in crops.items():
        b = c.double()
        if d == "noise":
            a = torch.clamp(b + n64[..., box[0]:box[1], box[2]:box[3]].double(), 0, 1)
        elif d == "blur":
            a = blur(b)
        else:
            a = contrast(b)
        INDEX["meta"].setdefault("f64_crops", {})[cname] = {"box [y0, y1, x0, x1]": list(box),
                                                           "distortion": d, "sha256": sha(a)}
        for mname in ("ssim", "ssim_weighted_reflect", "ssim_circular", "ssim_constant", "msssim", "nlpd", "mse"):
            if mname == "nlpd" and min(c.shape[-2:]) < 33:
                continue
            scalar(f"f64_{mname}_{cname}", METRICS[mname](a, b))
        save(f"f64_ssimmap_{cname}", po.metric.ssim_map(a, b))
        for mname in ("ssim", "ssim_weighted_reflect", "msssim", "nlpd"):
            if mname == "nlpd" and d == "contrast":
                continue  # see full_images: the gradient at clipped flat regions is a round-off tie
            save(f"f64_grad_{mname}_{cname}", grad_of(METRICS[mname], a, b))
        if min(c.shape[-2:]) >= 33:
            for i, y in enumerate(normalized_laplacian_pyramid(b)):
                save(f"f64_nlp_{cname}_scale{i}", y)


def shapes_and_options(imgs):
    """Broadcasting, channels, small images, power factors, warnings and errors."""
    e = imgs["einstein"][..., 96:160, 96:160]
    n = noise_for((1, 1, 256, 256), 0)[..., 96:160, 96:160]
    en = torch.clamp(e + n, 0, 1)
    batch = torch.cat([e, en, blur(e), contrast(e)], 0)  # (4, 1, 64, 64)
    for mname in ("ssim", "ssim_weighted_reflect", "msssim", "nlpd", "mse"):
        value_and_t64(f"batch4_vs_1_{mname}", METRICS[mname], batch, e, vector)
        value_and_t64(f"1_vs_batch4_{mname}", METRICS[mname], e, batch, vector)
    save("batch4_grad_ssim", grad_of(METRICS["ssim"], batch, e))

    pc = po.data.parrot(as_gray=False)[..., 100:164, 90:154]  # (1, 3, 64, 64)
    INDEX["meta"]["parrot_color_crop"] = {"box [y0, y1, x0, x1]": [100, 164, 90, 154], "sha256": sha(pc)}
    pcn = torch.clamp(pc + n, 0, 1)
    for mname in ("ssim", "msssim", "nlpd"):
        out, w = record_warnings(lambda: METRICS[mname](pcn, pc))
        text(f"warnings_color_{mname}", w)
        value_and_t64(f"color_{mname}", METRICS[mname], pcn, pc, vector)
    # (2, 1) against (1, 3): broadcast to (2, 3)
    two = torch.cat([e, en], 0)
    for mname in ("ssim", "nlpd"):
        value_and_t64(f"bcast_2x1_vs_1x3_{mname}", METRICS[mname], two, pc, vector)

    # small images: SSIM window shrinks to the image
    for h, w_ in ((8, 8), (6, 9), (11, 30)):
        a, b = en[..., :h, :w_], e[..., :h, :w_]
        out, w = record_warnings(lambda: po.metric.ssim(a, b))
        text(f"warnings_small_ssim_{h}x{w_}", w)
        value_and_t64(f"small_ssim_{h}x{w_}", METRICS["ssim"], a, b)
        save(f"small_ssimmap_{h}x{w_}", po.metric.ssim_map(a, b))
        t64_error(f"small_ssimmap_{h}x{w_}", po.metric.ssim_map, a, b)
        save(f"small_grad_ssim_{h}x{w_}", grad_of(METRICS["ssim"], a, b))
    for h, w_ in ((40, 48), (17, 23), (64, 64)):
        a, b = en[..., :h, :w_], e[..., :h, :w_]
        out, w = record_warnings(lambda: po.metric.ms_ssim(a, b))
        text(f"warnings_small_msssim_{h}x{w_}", w)
        value_and_t64(f"small_msssim_{h}x{w_}", METRICS["msssim"], a, b)
        save(f"small_grad_msssim_{h}x{w_}", grad_of(METRICS["msssim"], a, b))
    pf = [0.5, 0.3, 0.2]
    value_and_t64("msssim_pf3_c64", lambda a, b: po.metric.ms_ssim(a, b, power_factors=pf), en, e)
    value_and_t64("msssim_pf1_c64", lambda a, b: po.metric.ms_ssim(a, b, power_factors=[1.0]), en, e)
    INDEX["meta"]["msssim_pf3"] = pf
    for h, w_ in ((33, 40), (33, 33)):
        a, b = en[..., :h, :w_], e[..., :h, :w_]
        value_and_t64(f"small_nlpd_{h}x{w_}", METRICS["nlpd"], a, b)
        save(f"small_grad_nlpd_{h}x{w_}", grad_of(METRICS["nlpd"], a, b))

    # out-of-range values: computed anyway, with a warning
    out, w = record_warnings(lambda: po.metric.ssim(en * 255, e * 255))
    text("warnings_range_ssim", w)
    value_and_t64("range_ssim_x255", METRICS["ssim"], en * 255, e * 255)
    out, w = record_warnings(lambda: po.metric.nlpd(en * 255, e * 255))
    text("warnings_range_nlpd", w)
    value_and_t64("range_nlpd_x255", METRICS["nlpd"], en * 255, e * 255)

    # what plenoptic raises
    text("error_ssim_rank3", error_of(lambda: po.metric.ssim(e[0], e[0])))
    text("error_ssim_hw", error_of(lambda: po.metric.ssim(e, e[..., :32])))
    text("error_ssim_batch", error_of(lambda: po.metric.ssim(torch.cat([e, e]), torch.cat([e, e, e]))))
    text("error_ssim_dtype", error_of(lambda: po.metric.ssim(e, e.double())))
    text("error_nlpd_hw", error_of(lambda: po.metric.nlpd(e, e[..., :32])))
    text("error_nlpd_32x32", error_of(lambda: po.metric.nlpd(e[..., :32, :32], e[..., :32, :32])))
    text("error_msssim_empty_pf", error_of(lambda: po.metric.ms_ssim(e, e, power_factors=[])))


def windows():
    """The float64 sum of SSIM's k x k window as plenoptic builds it (in float32, so it sums to 1
    only to float32 precision; float64 SSIM uses it as is)."""
    from plenoptic.simulate.canonical_computations.filters import circular_gaussian2d
    for k in range(1, 12):
        scalar(f"window_sum_k{k}", circular_gaussian2d(k, std=torch.as_tensor(1.5)).double().sum())


def resampling():
    """tools.conv's resampling and the Laplacian pyramid on small random inputs."""
    g = torch.Generator().manual_seed(3)
    ins = {"7x8": torch.rand((1, 1, 7, 8), generator=g), "8x7": torch.rand((1, 1, 8, 7), generator=g),
           "2x9x5": torch.rand((2, 1, 9, 5), generator=g)}
    k35 = torch.rand((3, 5), generator=g)
    save("resample_kernel_3x5", k35)
    for n, x in ins.items():
        save(f"resample_input_{n}", x)
        save(f"blur_downsample_{n}", blur_downsample(x))
        save(f"blur_downsample_unscaled_{n}", blur_downsample(x, scale_filter=False))
        save(f"blur_downsample_2scales_{n}", blur_downsample(x, n_scales=2))
        for odd in ((0, 0), (1, 0), (0, 1), (1, 1)):
            tag = f"{odd[0]}{odd[1]}"
            save(f"upsample_blur_{n}_odd{tag}", upsample_blur(x, odd))
            save(f"upsample_blur_unscaled_{n}_odd{tag}", upsample_blur(x, odd, scale_filter=False))
        for mode in ("reflect", "circular", "replicate", "constant"):
            save(f"correlate_downsample_k3x5_{mode}_{n}", correlate_downsample(x, k35, padding_mode=mode))
            save(f"upsample_convolve_k3x5_{mode}_{n}_odd10", upsample_convolve(x, (1, 0), k35, padding_mode=mode))
    x = torch.rand((1, 1, 40, 37), generator=g)
    save("lpyr_input_40x37", x)
    for nsc, sf in ((6, True), (5, False), (3, True)):
        y = LaplacianPyramid(n_scales=nsc, scale_filter=sf).forward(x)
        for i, yi in enumerate(y):
            save(f"lpyr_40x37_n{nsc}_{'scaled' if sf else 'unscaled'}_scale{i}", yi)
    y = normalized_laplacian_pyramid(x)
    for i, yi in enumerate(y):
        save(f"nlp_40x37_scale{i}", yi)


def main():
    AREA.clear()
    INDEX["meta"].update({
        "generator": "testdata/reference/make_reference_metric.py",
        "plenoptic": po.__version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "torch_num_threads": torch.get_num_threads(),
        "dtype": "float32 unless the name starts with f64_",
        "pairs": "metric(distorted, original); gradients are of the summed metric w.r.t. the distorted image",
    })
    imgs = {
        "einstein": load("einstein", "einstein.pgm"),
        "curie": load("curie", "curie.pgm"),
        "parrot": load("parrot", "parrot.png", as_gray=True),
    }
    full_images(imgs)
    float64_crops(imgs)
    shapes_and_options(imgs)
    resampling()
    windows()
    AREA.write()


if __name__ == "__main__":
    main()
