#!/usr/bin/env python3
"""Parity reference generator for the Go port of plenoptic 1.1.0.

How to run (from the repo root; `make reference` does exactly this):

    bash testdata/reference/setup_venv.sh                 # once; creates .venv-ref
    .venv-ref/bin/python testdata/reference/make_reference.py

Images (einstein.pgm, curie.pgm) are read from $GOPLENOPTIC_DATA (default
<repo>/.local/data); a file missing there is taken from <repo>/../shared/data.  The
sha256 of each input is recorded, and the loaded tensors must equal po.data.einstein() /
po.data.curie() (the copies inside the plenoptic wheel) or the script stops.
Everything is written to testdata/reference/out/ (the directory is emptied first):

  * <name>.f32 / <name>.f64  raw little-endian float32 / float64 arrays, C order;
  * index.json               {"meta": {...versions, inputs...},
                              "cases":   {name: {"file", "dtype", "shape", "params"}},
                              "scalars": {name: number},
                              "vectors": {name: [numbers]},   # short 1-D results
                              "texts":   {name: [lines]}}     # captured prints

At the end the script prints a comparison with the numbers in spec Appendix A
(/work/shared/spec/plenoptic-reference.md); pass --strict to exit non-zero on a mismatch.

The run is deterministic: single-threaded CPU torch, float32, fixed seeds, no GPU.
Float scalars/vectors are written with Python's shortest round-trip repr, so values that
come from float32 tensors (losses, eigenvalues, ...) are exact float32 numbers.
Total runtime is well under a minute.
"""

import contextlib
import hashlib
import io
import json
import math
import os
import sys
import warnings

os.environ.setdefault("TQDM_DISABLE", "1")  # silence progress bars
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from refout import jsonable as _jsonable  # noqa: E402
import torch.nn.functional as F  # noqa: E402

warnings.filterwarnings("ignore")  # meshgrid indexing, pretrained cache_filt, IPython...

import plenoptic as po  # noqa: E402
from plenoptic.simulate.canonical_computations.filters import (  # noqa: E402
    circular_gaussian2d,
    gaussian1d,
)
from plenoptic.tools.conv import same_padding  # noqa: E402

try:
    import pyrtools as pt  # noqa: E402
    HAVE_PYRTOOLS = True
except Exception:  # pragma: no cover - pyrtools is pinned in requirements.txt
    HAVE_PYRTOOLS = False

torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(HERE, "out")


# --------------------------------------------------------------------------------------
# output helpers
# --------------------------------------------------------------------------------------

INDEX = {"meta": {}, "cases": {}, "scalars": {}, "vectors": {}, "texts": {}}


def save(name, arr, params=None, dtype="float32"):
    """Write an array as <name>.f32 (or .f64) and register it in the index."""
    assert name not in INDEX["cases"], name
    if isinstance(arr, torch.Tensor):
        arr = arr.detach().cpu().numpy()
    arr = np.asarray(arr)
    if dtype == "float32":
        data, ext = arr.astype("<f4"), ".f32"
    elif dtype == "float64":
        data, ext = arr.astype("<f8"), ".f64"
    else:
        raise ValueError(dtype)
    fname = name + ext
    with open(os.path.join(OUT, fname), "wb") as f:
        f.write(np.ascontiguousarray(data).tobytes(order="C"))
    INDEX["cases"][name] = {
        "file": fname,
        "dtype": dtype,
        "shape": list(arr.shape),
        "params": _jsonable(params or {}),
    }


def scalar(name, value):
    assert name not in INDEX["scalars"], name
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().item()
    INDEX["scalars"][name] = float(value) if not isinstance(value, bool) else value


def vector(name, values):
    assert name not in INDEX["vectors"], name
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().reshape(-1).tolist()
    INDEX["vectors"][name] = [float(v) for v in values]


def text(name, lines):
    assert name not in INDEX["texts"], name
    INDEX["texts"][name] = list(lines)


def state(model):
    """state_dict as {key: list-or-number} (buffers set to None are not in it)."""
    return {k: _jsonable(v) for k, v in model.state_dict().items()}


# --------------------------------------------------------------------------------------
# inputs
# --------------------------------------------------------------------------------------

def data_dirs():
    """$GOPLENOPTIC_DATA (default <repo>/.local/data), then <repo>/../shared/data."""
    first = os.environ.get("GOPLENOPTIC_DATA") or os.path.join(ROOT, ".local", "data")
    return [first, os.path.abspath(os.path.join(ROOT, "..", "shared", "data"))]


def load_image(name):
    fname = name + ".pgm"
    for d in data_dirs():
        path = os.path.join(d, fname)
        if os.path.isfile(path):
            break
    else:
        raise FileNotFoundError(f"{fname} not found in any of {data_dirs()}")
    img = po.load_images(path)  # same loader po.data.einstein()/curie() use
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    INDEX["meta"].setdefault("inputs", {})[name] = {"file": fname, "sha256": sha}
    print(f"input {name}: {path}")
    return img


class NotebookGaussian(torch.nn.Module):
    """The tutorial's own model (spec §3.0): circular same_padding + Conv2d whose weight is
    overwritten with circular_gaussian2d(kernel_size, std)."""

    def __init__(self, kernel_size=(31, 31), std_dev=3.0):
        super().__init__()
        self.kernel_size = kernel_size
        self.conv = torch.nn.Conv2d(1, 1, kernel_size=kernel_size, padding=(0, 0), bias=False)
        self.conv.weight.data = circular_gaussian2d(kernel_size, float(std_dev))

    def forward(self, x):
        x = same_padding(x, self.kernel_size, pad_mode="circular")
        return self.conv(x)


def prep(model):
    po.tools.remove_grad(model)
    model.eval()
    return model


def notebook_gaussian():
    return prep(NotebookGaussian((31, 31), 3.0))


TUTORIAL_LG_STATE = {
    "luminance_scalar": 14.95,
    "luminance.std": 4.235,
    "center_surround.center_std": 1.962,
    "center_surround.surround_std": 4.235,
    "center_surround.amplitude_ratio": 1.25,
}


def tutorial_cs():
    return prep(po.simulate.CenterSurround((31, 31), center_std=1.962, surround_std=4.235,
                                           pad_mode="circular"))


def tutorial_lg():
    lg = po.simulate.LuminanceGainControl((31, 31), pad_mode="circular")
    lg.load_state_dict({k: torch.as_tensor([v]) for k, v in TUTORIAL_LG_STATE.items()})
    return prep(lg)


def stats(y):
    y = y.detach().double()
    return {"mean": y.mean().item(), "min": y.min().item(), "max": y.max().item(),
            "l2": torch.linalg.vector_norm(y).item()}


# --------------------------------------------------------------------------------------
# a. / b. filters
# --------------------------------------------------------------------------------------

def ks_name(ks):
    return f"{ks}" if isinstance(ks, int) else f"{ks[0]}x{ks[1]}"


def std_name(s):
    return str(s).replace(".", "p")


def filters():
    sizes = [31, (3, 2), (7, 7), 5, (4, 4), (6, 9)]
    for ks in sizes:
        for s in (1.0, 3.0, 4.235):
            f = circular_gaussian2d(ks, s)
            save(f"circular_gaussian2d_k{ks_name(ks)}_s{std_name(s)}_c1", f,
                 {"kernel_size": ks, "std": s, "out_channels": 1})
        stds = torch.tensor([1.0, 2.0, 3.5])
        f = circular_gaussian2d(ks, stds, out_channels=3)
        save(f"circular_gaussian2d_k{ks_name(ks)}_s1p0-2p0-3p5_c3", f,
             {"kernel_size": ks, "std": stds, "out_channels": 3})
        f = circular_gaussian2d(ks, 3.0, out_channels=3)
        save(f"circular_gaussian2d_k{ks_name(ks)}_s3p0_c3", f,
             {"kernel_size": ks, "std": 3.0, "out_channels": 3})
    for n in (4, 5, 11):
        for s in (1.0, 1.5):
            save(f"gaussian1d_n{n}_s{std_name(s)}", gaussian1d(n, s),
                 {"kernel_size": n, "std": s})


# --------------------------------------------------------------------------------------
# c. same_padding
# --------------------------------------------------------------------------------------

def padding():
    ramp = torch.arange(30, dtype=torch.float32).reshape(1, 1, 5, 6)
    gen = torch.Generator().manual_seed(0)
    rnd = torch.rand((1, 1, 7, 8), generator=gen)
    save("same_padding_input_ramp5x6", ramp, {"desc": "arange(30) row-major, (1,1,5,6)"})
    save("same_padding_input_rand7x8", rnd,
         {"desc": "torch.rand((1,1,7,8), generator=torch.Generator().manual_seed(0))"})
    for iname, x in (("ramp5x6", ramp), ("rand7x8", rnd)):
        for ks in ((4, 4), (3, 3), (5, 2), (1, 1)):
            for mode in ("circular", "reflect", "replicate", "constant"):
                y = same_padding(x, ks, pad_mode=mode)
                save(f"same_padding_{iname}_k{ks[0]}x{ks[1]}_{mode}", y,
                     {"input": f"same_padding_input_{iname}", "kernel_size": ks,
                      "pad_mode": mode, "stride": [1, 1], "dilation": [1, 1]})


# --------------------------------------------------------------------------------------
# d. model outputs
# --------------------------------------------------------------------------------------

CROP = (slice(None), slice(None), slice(96, 160), slice(96, 160))
CROP_DESC = "img[..., 96:160, 96:160] (64x64 crop)"


def models(imgs):
    with torch.no_grad():
        for iname, img in imgs.items():
            # notebook Gaussian
            m = notebook_gaussian()
            y = m(img)
            save(f"model_notebook_gaussian_{iname}", y,
                 {"model": "NotebookGaussian (spec 3.0)", "kernel_size": [31, 31], "std": 3.0,
                  "pad_mode": "circular", "input": iname, **{"stats": stats(y)}})

            # po.simulate.Gaussian factorial on a 64x64 crop
            crop = img[CROP]
            save(f"input_{iname}_crop64", crop, {"desc": CROP_DESC, "input": iname})
            for ks in (31, 8):
                for pad in ("reflect", "circular"):
                    for s in (3.0, 1.5):
                        for oc in (1, 3):
                            g = prep(po.simulate.Gaussian(ks, std=s, pad_mode=pad,
                                                          out_channels=oc))
                            y = g(crop)
                            save(f"model_gaussian_k{ks}_s{std_name(s)}_{pad}_c{oc}_{iname}_crop64",
                                 y, {"model": "po.simulate.Gaussian", "kernel_size": ks,
                                     "std": s, "pad_mode": pad, "out_channels": oc,
                                     "input": f"input_{iname}_crop64", "state_dict": state(g)})
                    g = po.simulate.Gaussian(ks, std=3.0, pad_mode=pad, out_channels=3)
                    g.load_state_dict({"std": torch.tensor([1.0, 2.0, 3.5])})
                    g = prep(g)
                    y = g(crop)
                    save(f"model_gaussian_k{ks}_s1p0-2p0-3p5_{pad}_c3_{iname}_crop64", y,
                         {"model": "po.simulate.Gaussian, std loaded via load_state_dict",
                          "kernel_size": ks, "pad_mode": pad, "out_channels": 3,
                          "input": f"input_{iname}_crop64", "state_dict": state(g)})
            # full-size Gaussian(31, 3.0, reflect) (= LG's default luminance branch)
            g = prep(po.simulate.Gaussian(31))
            y = g(img)
            save(f"model_gaussian_k31_default_{iname}", y,
                 {"model": "po.simulate.Gaussian(31) defaults (std 3.0, reflect)",
                  "input": iname, "state_dict": state(g), "stats": stats(y)})

            # CenterSurround
            cs = tutorial_cs()
            y = cs(img)
            save(f"model_cs_tutorial_{iname}", y,
                 {"model": "CenterSurround((31,31), center_std=1.962, surround_std=4.235, "
                           "pad_mode='circular')", "input": iname, "state_dict": state(cs),
                  "stats": stats(y)})
            cs = prep(po.simulate.CenterSurround((31, 31)))
            y = cs(img)
            save(f"model_cs_default_{iname}", y,
                 {"model": "CenterSurround((31,31)) defaults (reflect)", "input": iname,
                  "state_dict": state(cs), "stats": stats(y)})
            cs = prep(po.simulate.CenterSurround((31, 31), on_center=False, center_std=1.962,
                                                 surround_std=4.235, pad_mode="circular"))
            y = cs(crop)
            save(f"model_cs_offcenter_{iname}_crop64", y,
                 {"model": "CenterSurround((31,31), on_center=False, center_std=1.962, "
                           "surround_std=4.235, pad_mode='circular')",
                  "input": f"input_{iname}_crop64", "state_dict": state(cs)})
            cs = prep(po.simulate.CenterSurround((31, 31), on_center=[True, False],
                                                 amplitude_ratio=2.0, center_std=1.962,
                                                 surround_std=4.235, out_channels=2,
                                                 pad_mode="circular"))
            y = cs(crop)
            save(f"model_cs_2ch_amp2_{iname}_crop64", y,
                 {"model": "CenterSurround((31,31), on_center=[True,False], amplitude_ratio=2.0, "
                           "center_std=1.962, surround_std=4.235, out_channels=2, "
                           "pad_mode='circular')",
                  "input": f"input_{iname}_crop64", "state_dict": state(cs)})

            # LuminanceGainControl
            lg = tutorial_lg()
            y = lg(img)
            save(f"model_lg_tutorial_{iname}", y,
                 {"model": "LuminanceGainControl((31,31), pad_mode='circular') + tutorial "
                           "load_state_dict", "input": iname, "state_dict": state(lg),
                  "stats": stats(y)})
            y2 = lg(2 * img)
            save(f"model_lg_tutorial_2x{iname}", y2,
                 {"model": "LG tutorial", "input": f"2*{iname}", "state_dict": state(lg),
                  "stats": stats(y2)})
            scalar(f"lg_tutorial_{iname}_maxabs_2x_minus_1x", (y2 - y).abs().max())
            lg = prep(po.simulate.LuminanceGainControl((31, 31), pretrained=True))
            y = lg(img)
            save(f"model_lg_pretrained_reflect_{iname}", y,
                 {"model": "LuminanceGainControl((31,31), pretrained=True) (reflect)",
                  "input": iname, "state_dict": state(lg), "stats": stats(y)})

            # LinearNonlinear
            for pad in ("circular", "reflect"):
                ln = prep(po.simulate.LinearNonlinear((31, 31), pretrained=True, pad_mode=pad))
                y = ln(img)
                save(f"model_ln_pretrained_{pad}_{iname}", y,
                     {"model": f"LinearNonlinear((31,31), pretrained=True, pad_mode='{pad}')",
                      "input": iname, "state_dict": state(ln), "stats": stats(y)})

            # LuminanceContrastGainControl
            lgg = prep(po.simulate.LuminanceContrastGainControl((31, 31), pretrained=True,
                                                                pad_mode="circular"))
            y = lgg(img)
            save(f"model_lgg_pretrained_circular_{iname}", y,
                 {"model": "LuminanceContrastGainControl((31,31), pretrained=True, "
                           "pad_mode='circular')", "input": iname, "state_dict": state(lgg),
                  "stats": stats(y)})

            # OnOff
            for mask in (False, True):
                oo = prep(po.simulate.OnOff((31, 31), pretrained=True, pad_mode="circular",
                                            apply_mask=mask))
                y = oo(img)
                save(f"model_onoff_pretrained_circular_mask{int(mask)}_{iname}", y,
                     {"model": f"OnOff((31,31), pretrained=True, pad_mode='circular', "
                               f"apply_mask={mask})", "input": iname, "state_dict": state(oo),
                      "stats": stats(y)})

        # batch case
        e, c = imgs["einstein"], imgs["curie"]
        batch = torch.cat([e, c, 0.5 * e])
        lg = tutorial_lg()
        y = lg(batch)
        save("model_lg_tutorial_batch3", y,
             {"model": "LG tutorial", "input": "cat([einstein, curie, 0.5*einstein])",
              "state_dict": state(lg)})

        # filters used by the tutorial models and the OnOff disk mask
        csf = tutorial_cs().filt
        save("filter_cs_tutorial", csf, {"desc": "CenterSurround tutorial filt (1,1,31,31)"})
        scalar("filter_cs_tutorial_torch_sum_f32", csf.sum())
        save("filter_lg_tutorial_luminance", tutorial_lg().luminance.filt,
             {"desc": "LG tutorial luminance filt (std 4.235)"})
        save("filter_cs_2ch_amp2", po.simulate.CenterSurround(
            (31, 31), on_center=[True, False], amplitude_ratio=2.0, center_std=1.962,
            surround_std=4.235, out_channels=2).filt, {"desc": "2-channel CS filt, amp 2.0"})
        save("make_disk_64", po.tools.make_disk((64, 64)),
             {"desc": "po.tools.make_disk((64,64)) (OnOff apply_mask uses make_disk(H,W))"})
        save("make_disk_31x40", po.tools.make_disk((31, 40)),
             {"desc": "po.tools.make_disk((31,40))"})


# --------------------------------------------------------------------------------------
# e. metamers
# --------------------------------------------------------------------------------------

def record_metamer(prefix, met, params):
    vector(f"{prefix}_losses", met.losses)
    vector(f"{prefix}_gradient_norm", met.gradient_norm)
    vector(f"{prefix}_pixel_change_norm", met.pixel_change_norm)
    with torch.no_grad():
        obj = met.objective_function()
    scalar(f"{prefix}_final_objective", obj)
    scalar(f"{prefix}_iterations", len(met.losses))
    st = met.optimizer.state[met.metamer]
    scalar(f"{prefix}_adam_step", float(st["step"]))
    pg = met.optimizer.param_groups[0]
    params = dict(params)
    params["optimizer"] = {"lr": pg["lr"], "betas": list(pg["betas"]), "eps": pg["eps"],
                           "amsgrad": pg["amsgrad"], "weight_decay": pg["weight_decay"]}
    save(f"{prefix}_final", met.metamer, params)


def metamers(imgs):
    e, c = imgs["einstein"], imgs["curie"]

    m = notebook_gaussian()
    met = po.synthesize.Metamer(e, m, initial_image=c)
    met.synthesize(max_iter=10)
    p = {"model": "NotebookGaussian", "target": "einstein", "initial_image": "curie",
         "loss": "mse", "range_penalty_lambda": 0.1, "allowed_range": [0, 1],
         "synthesize": {"max_iter": 10}}
    record_metamer("metamer_gauss_curie", met, p)
    first = met.metamer.detach().clone()

    met = po.synthesize.Metamer(e, notebook_gaussian(), initial_image=c)
    met.synthesize(max_iter=10, store_progress=3)
    scalar("metamer_gauss_curie_sp3_saved_count", met.saved_metamer.shape[0])
    scalar("metamer_gauss_curie_sp3_iterations", len(met.losses))
    scalar("metamer_gauss_curie_sp3_maxabs_vs_plain", (met.metamer.detach() - first).abs().max())
    saved = met.saved_metamer
    scalar("metamer_gauss_curie_sp3_saved0_maxabs_vs_curie", (saved[0] - c).abs().max())
    save("metamer_gauss_curie_sp3_saved_crop16", saved[..., :16, :16],
         {"desc": "saved_metamer[..., :16, :16] with store_progress=3, max_iter=10: frames of "
                  "iterations 0, 3, 6, 9 (pre-step; the final metamer is not stored)",
          "saved_iterations": [0, 3, 6, 9]})

    # LG batch-3 metamer with a user Adam
    gen = torch.Generator().manual_seed(0)
    rnd = torch.rand((1, 1, 256, 256), generator=gen)
    save("metamer_lg_batch3_init_rand", rnd,
         {"desc": "torch.rand((1,1,256,256), generator=torch.Generator().manual_seed(0))"})
    init = torch.cat([c, 1 - c, rnd])
    lg = tutorial_lg()
    met = po.synthesize.Metamer(e.repeat(3, 1, 1, 1), lg, initial_image=init)
    opt = torch.optim.Adam([met.metamer], lr=0.007, amsgrad=True)
    met.synthesize(max_iter=5, optimizer=opt)
    record_metamer("metamer_lg_batch3", met,
                   {"model": "LG tutorial", "target": "einstein.repeat(3,1,1,1)",
                    "initial_image": "cat([curie, 1-curie, metamer_lg_batch3_init_rand])",
                    "optimizer_call": "torch.optim.Adam([m.metamer], lr=0.007, amsgrad=True)",
                    "synthesize": {"max_iter": 5}, "state_dict": state(lg)})

    # CenterSurround tutorial metamer
    cs = tutorial_cs()
    met = po.synthesize.Metamer(e, cs, initial_image=c)
    met.synthesize(max_iter=10)
    record_metamer("metamer_cs_curie", met,
                   {"model": "CenterSurround tutorial", "target": "einstein",
                    "initial_image": "curie", "synthesize": {"max_iter": 10},
                    "state_dict": state(cs)})


# --------------------------------------------------------------------------------------
# f. eigendistortions
# --------------------------------------------------------------------------------------

@contextlib.contextmanager
def capture_randn():
    """Record every torch.randn result (Eigendistortion's random starts) while active."""
    draws = []
    orig = torch.randn

    def rec(*a, **k):
        r = orig(*a, **k)
        draws.append(r.detach().clone())
        return r

    torch.randn = rec
    try:
        yield draws
    finally:
        torch.randn = orig


def eigen(imgs):
    import plenoptic.synthesize.eigendistortion as ed_mod

    crop = imgs["einstein"][..., 100:116, 100:116].clone()
    save("eig_input_einstein_crop16", crop, {"desc": "einstein[..., 100:116, 100:116]"})
    n = crop.numel()

    counter = {"n": 0}
    orig_fvp = ed_mod.fisher_info_matrix_vector_product

    def counting_fvp(*a, **k):
        counter["n"] += 1
        return orig_fvp(*a, **k)

    ed_mod.fisher_info_matrix_vector_product = counting_fvp
    try:
        for mname, ctor in (("gauss", notebook_gaussian), ("cs", tutorial_cs),
                            ("lg", tutorial_lg)):
            model = ctor()
            base = {"model": mname, "input": "eig_input_einstein_crop16",
                    "state_dict": state(model)}

            # exact
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf):
                eig = po.synthesize.Eigendistortion(crop, model)
                eig.synthesize(method="exact")
            text(f"eig_{mname}_exact_stdout", buf.getvalue().splitlines())
            vector(f"eig_{mname}_exact_eigenvalues", eig.eigenvalues)
            save(f"eig_{mname}_exact_eigendistortions", eig.eigendistortions,
                 {**base, "method": "exact",
                  "note": "columns of eigh(J^T J, UPLO='U') flipped to descending order; "
                          "signs arbitrary, degenerate eigenspaces arbitrary"})
            if mname == "lg":
                save("eig_lg_jacobian", eig.jacobian,
                     {**base, "desc": "J = d model(x).flatten() / d x.flatten(), (m, n) = (256, 256)"})

            # power.  Seed 0 is set right before constructing the Eigendistortion (its
            # validate_model draws torch.rand(1,1,16,16) first); this is the protocol that
            # reproduces spec Appendix A.  The randn draws synthesize() makes are captured.
            torch.manual_seed(0)
            buf = io.StringIO()
            runs = []
            with contextlib.redirect_stdout(buf), capture_randn() as draws:
                eig = po.synthesize.Eigendistortion(crop, model)
                orig_power = eig._synthesize_power

                def wrapped(*a, **k):
                    c0 = counter["n"]
                    r = orig_power(*a, **k)
                    runs.append(counter["n"] - c0)
                    return r

                eig._synthesize_power = wrapped
                eig.synthesize(method="power", max_iter=5000)
            assert len(draws) == 2 and all(d.shape == (n, 1) for d in draws), draws
            lines = buf.getvalue().splitlines()
            text(f"eig_{mname}_power_stdout", lines)
            # each run: 2 F-products to initialise, then 2 per iteration
            iters = [(r - 2) // 2 for r in runs]
            vector(f"eig_{mname}_power_eigenvalues", eig.eigenvalues)
            vector(f"eig_{mname}_power_iterations", iters)
            save(f"eig_{mname}_power_init_top", draws[0],
                 {"desc": "randn(n,1) drawn by the Top run (before its normalisation)"})
            save(f"eig_{mname}_power_init_bottom", draws[1],
                 {"desc": "randn(n,1) drawn by the Bottom run (before its normalisation)"})
            save(f"eig_{mname}_power_eigendistortions", eig.eigendistortions,
                 {**base, "method": "power", "k": 1, "max_iter": 5000,
                  "stop_criterion": 1e-7,
                  "seed": "torch.manual_seed(0) right before Eigendistortion(crop, model)",
                  "iterations_top_bottom": iters, "stdout": lines})

            # randomized SVD (same seeding protocol)
            torch.manual_seed(0)
            buf = io.StringIO()
            with contextlib.redirect_stdout(buf), capture_randn() as draws:
                eig = po.synthesize.Eigendistortion(crop, model)
                eig.synthesize(method="randomized_svd", k=3)
            assert len(draws) == 2 and draws[0].shape == (n, 8) and draws[1].shape == (n, 20)
            lines = buf.getvalue().splitlines()
            text(f"eig_{mname}_rsvd_stdout", lines)
            vector(f"eig_{mname}_rsvd_eigenvalues", eig.eigenvalues)
            save(f"eig_{mname}_rsvd_init_P", draws[0],
                 {"desc": "randn(n, k+p=8): the matrix P before its QR"})
            save(f"eig_{mname}_rsvd_omega", draws[1],
                 {"desc": "randn(n, 20): the error-estimate test vectors"})
            save(f"eig_{mname}_rsvd_eigendistortions", eig.eigendistortions,
                 {**base, "method": "randomized_svd", "k": 3, "p": 5, "q": 2,
                  "seed": "torch.manual_seed(0) right before Eigendistortion(crop, model)",
                  "stdout": lines})
    finally:
        ed_mod.fisher_info_matrix_vector_product = orig_fvp


# --------------------------------------------------------------------------------------
# g. pink noise and numpy RNG anchors
# --------------------------------------------------------------------------------------

def pink_noise_reimpl(size, fract_dim=1.0):
    """Spec §7.4 re-implementation (used only if pyrtools is unavailable)."""
    h, w = size
    res = np.random.randn(h, w)
    fres = np.fft.fft2(res)
    exp = -(2.5 - fract_dim)
    ctr = np.ceil((np.array([h, w]) + 1) / 2.0)
    yy, xx = np.meshgrid(np.arange(1, h + 1) - ctr[0], np.arange(1, w + 1) - ctr[1],
                         indexing="ij")
    r = np.sqrt(xx ** 2 + yy ** 2)
    amp = np.ones_like(r)
    np.power(r, exp, out=amp, where=r != 0)
    sh = np.fft.ifftshift(amp)
    sh[0, 0] = 1
    fres = np.fft.ifft2(sh * fres)
    if abs(fres.imag).max() > 1e-10:
        print("Symmetry error in creating fractal")
        return res
    res = np.real(fres)
    return res / np.sqrt(res.var(ddof=1))


def pink():
    np.random.seed(1)
    if HAVE_PYRTOOLS:
        raw = pt.synthetic_images.pink_noise((256, 256))
        how = "pyrtools.synthetic_images.pink_noise((256,256)) after np.random.seed(1)"
    else:
        raw = pink_noise_reimpl((256, 256))
        how = "numpy re-implementation of spec 7.4 (pyrtools unavailable) after np.random.seed(1)"
    INDEX["meta"]["pink_noise_source"] = how
    save("pink_noise_raw", raw, {"desc": how, "fract_dim": 1}, dtype="float64")
    resc = po.tools.rescale(torch.from_numpy(raw).unsqueeze(0).unsqueeze(0))
    save("pink_noise_rescaled", resc.to(torch.float32),
         {"desc": "tutorial `pink`: rescale in float64 then .to(torch.float32), (1,1,256,256)"})
    scalar("pink_noise_raw_mean", raw.mean())
    scalar("pink_noise_raw_var_ddof1", raw.var(ddof=1))
    scalar("pink_noise_raw_min", raw.min())
    scalar("pink_noise_raw_max", raw.max())
    if HAVE_PYRTOOLS:
        np.random.seed(1)
        alt = pink_noise_reimpl((256, 256))
        scalar("pink_noise_reimpl_maxabs_vs_pyrtools", np.abs(alt - raw).max())

    np.random.seed(1)
    vector("np_seed1_randn8", np.random.randn(8))
    np.random.seed(1)
    vector("np_seed1_rand8", np.random.rand(8))
    np.random.seed(1)
    a = np.random.randn(3)  # odd count: leaves a cached gaussian behind
    b = np.random.rand(2)
    c = np.random.randn(2)
    vector("np_seed1_randn3_rand2_randn2", np.concatenate([a, b, c]))
    np.random.seed(1)
    vector("np_seed1_randn_5x3_rowmajor", np.random.randn(5, 3).reshape(-1))
    torch.manual_seed(1)
    vector("torch_seed1_rand5", torch.rand(5))
    torch.manual_seed(1)
    vector("torch_seed1_randn5", torch.randn(5))


# --------------------------------------------------------------------------------------
# h. tools
# --------------------------------------------------------------------------------------

def tools():
    gen = torch.Generator().manual_seed(0)
    a = torch.randn((2, 1, 4, 5), generator=gen) * 0.6 + 0.5
    b = torch.randn((2, 1, 4, 5), generator=gen) * 0.6 + 0.5
    save("tools_input_a", a, {"desc": "Generator().manual_seed(0): randn((2,1,4,5))*0.6+0.5"})
    save("tools_input_b", b, {"desc": "same generator, next randn((2,1,4,5))*0.6+0.5"})
    save("tools_rescale_a", po.tools.rescale(a), {"call": "rescale(a)"})
    save("tools_rescale_a_m1_2", po.tools.rescale(a, -1.0, 2.0), {"call": "rescale(a, -1.0, 2.0)"})
    save("tools_rescale_const", po.tools.rescale(torch.full((1, 1, 2, 3), 0.7), 0.25, 4.0),
         {"call": "rescale(full((1,1,2,3), 0.7), 0.25, 4.0)"})
    scalar("tools_l2_norm_a_b", po.tools.l2_norm(a, b))
    scalar("tools_mse_a_b", po.tools.mse(a, b))
    scalar("tools_relative_MSE_a_b", po.tools.optim.relative_MSE(a, b))
    scalar("tools_penalize_range_a", po.tools.optim.penalize_range(a))
    scalar("tools_penalize_range_a_0p2_0p8", po.tools.optim.penalize_range(a, (0.2, 0.8)))
    x = torch.full((1, 1, 4, 4), 0.5)
    x[..., 0, :] = 2.0
    scalar("tools_penalize_range_row_of_2", po.tools.optim.penalize_range(x))
    x = torch.full((1, 1, 4, 4), 0.5)
    x[..., 0, :] = -1.0
    scalar("tools_penalize_range_row_of_m1", po.tools.optim.penalize_range(x))


# --------------------------------------------------------------------------------------
# comparison with spec Appendix A
# --------------------------------------------------------------------------------------

def _arr(name):
    c = INDEX["cases"][name]
    dt = "<f4" if c["dtype"] == "float32" else "<f8"
    return np.fromfile(os.path.join(OUT, c["file"]), dtype=dt).reshape(c["shape"])


def compare():
    rows = []  # (label, got, want, abs_tol, rel_tol)

    def add(label, got, want, atol=0.0, rtol=1e-6):
        rows.append((label, float(got), float(want), atol, rtol))

    # filters
    g = _arr("circular_gaussian2d_k31_s3p0_c1")[0, 0]
    add("cg2d(31,3).sum", g.astype(np.float64).sum(), 0.999999986, atol=1e-7)
    add("cg2d(31,3).max", g.max(), 0.0176838897)
    add("cg2d(31,3).corner", g[0, 0], 2.4559e-13, rtol=1e-4)
    add("cg2d(31,3).L2", np.linalg.norm(g.astype(np.float64)), 0.094031635)
    add("cg2d(31,3)[15,0]", g[15, 0], 6.590172e-08)
    g = _arr("circular_gaussian2d_k3x2_s1p0_c1")[0, 0]
    for i, w in ((0, 0.13703431), (1, 0.22593138), (2, 0.13703431)):
        add(f"cg2d((3,2),1)[{i},:]", g[i, 0], w)
        add(f"cg2d((3,2),1)[{i},1]", g[i, 1], w)
    g = _arr("circular_gaussian2d_k4x4_s1p0_c1")[0, 0]
    for (i, j), w in (((0, 0), 0.018082), ((0, 1), 0.049153), ((1, 1), 0.133612)):
        add(f"cg2d((4,4),1)[{i},{j}]", g[i, j], w, atol=5e-7, rtol=0)  # 6 decimals given
    for i, w in enumerate([0.0576288, 0.25827438, 0.42582247, 0.25827438]):
        add(f"gaussian1d(4,1)[{i}]", _arr("gaussian1d_n4_s1p0")[i], w)
    for i, w in enumerate([0.05448869, 0.24420136, 0.40261996, 0.24420136, 0.05448869]):
        add(f"gaussian1d(5,1)[{i}]", _arr("gaussian1d_n5_s1p0")[i], w)
    for mode, want in (("circular", [29, 24, 25, 26, 27, 28, 29, 24, 25]),
                       ("reflect", [7, 6, 7, 8, 9, 10, 11, 10, 9])):
        got = _arr(f"same_padding_ramp5x6_k4x4_{mode}")
        rows.append((f"same_padding ramp k4 {mode} shape", float(got.shape[-2] * 100 + got.shape[-1]),
                     809.0, 0.0, 0.0))
        for j, w in enumerate(want):
            add(f"same_padding ramp k4 {mode}[0,{j}]", got[0, 0, 0, j], w, rtol=0)

    # models on einstein
    def model_rows(label, name, want, extra=None):
        y = _arr(name).astype(np.float64)
        keys = ["mean", "min", "max", "l2", "p00", "p128"]
        got = {"mean": y.mean(), "min": y.min(), "max": y.max(),
               "l2": np.linalg.norm(y), "p00": y[0, 0, 0, 0], "p128": y[0, 0, 128, 128]}
        for k, w in zip(keys, want):
            if w is None:
                continue
            if k == "mean" and abs(w) < 1e-6:
                add(f"{label} {k}", got[k], w, atol=1e-7)
            else:
                add(f"{label} {k}", got[k], w, rtol=2e-6)

    model_rows("notebook Gaussian", "model_notebook_gaussian_einstein",
               [0.456692981, 0.167948142, 0.867435455, 121.395292, 0.200909257, 0.420571268])
    model_rows("CS tutorial", "model_cs_tutorial_einstein",
               [1.93e-08, -0.22510995, 0.261243224, 10.7075134, -0.135676637, -0.030395770])
    model_rows("LG tutorial", "model_lg_tutorial_einstein",
               [0.692937639, 0.678478181, 0.707205534, 177.393556, 0.678703249, 0.691124141])
    model_rows("LG 2*img", "model_lg_tutorial_2xeinstein",
               [0.692902332, 0.676742315, 0.708005071, 177.384784, None, None])
    model_rows("LGG pretrained", "model_lgg_pretrained_circular_einstein",
               [0.693099601, 0.671274722, 0.715159297, 177.443459, None, None])
    model_rows("OnOff pretrained", "model_onoff_pretrained_circular_mask0_einstein",
               [0.69311977, 0.640701056, 0.757386088, 250.965518, None, None])
    add("max|LG(2img)-LG(img)|", INDEX["scalars"]["lg_tutorial_einstein_maxabs_2x_minus_1x"],
        0.0017, rtol=0.05)
    f = _arr("filter_cs_tutorial").astype(np.float64)
    # float32 round-off: the value depends on the summation order (float64 sum of the
    # same float32 entries is ~5.3e-8)
    add("CS filt sum (torch float32 .sum())", INDEX["scalars"]["filter_cs_tutorial_torch_sum_f32"],
        4.795e-08, atol=1e-7)  # analytically 0; only |sum| < ~1e-7 is meaningful
    add("CS filt centre", f[0, 0, 15, 15], 0.040583387)
    add("CS filt min", f.min(), -0.00374930957)
    add("CS filt L2", np.linalg.norm(f), 0.128056061)
    f = _arr("filter_lg_tutorial_luminance").astype(np.float64)
    add("LG lum filt max", f.max(), 0.0088782059)
    add("LG lum filt L2", np.linalg.norm(f), 0.0666428403)

    # metamer
    V = INDEX["vectors"]
    want = [0.0952687263, 0.0901175663, 0.085146755, 0.0803583711, 0.075753957, 0.0713342875,
            0.0671013668, 0.0630575567, 0.0591832735, 0.0554945432]
    for i, w in enumerate(want):
        add(f"metamer losses[{i}]", V["metamer_gauss_curie_losses"][i], w, rtol=1e-6)
    for i, w in enumerate([0.00233838, 0.00227306, 0.0022082, 0.00214389, 0.00208019]):
        add(f"metamer gradient_norm[{i}]", V["metamer_gauss_curie_gradient_norm"][i], w, rtol=5e-6)
    for i, w in enumerate([2.55078, 2.54375, 2.53385, 2.52083, 2.50442]):
        add(f"metamer pixel_change_norm[{i}]", V["metamer_gauss_curie_pixel_change_norm"][i], w,
            rtol=5e-6)
    add("metamer final objective", INDEX["scalars"]["metamer_gauss_curie_final_objective"],
        0.0519854575, rtol=1e-6)
    m = _arr("metamer_gauss_curie_final")
    for j, w in enumerate([0.16364996, 0.16733456, 0.17894155]):
        add(f"metamer[0,0,0,{j}]", m[0, 0, 0, j], w, rtol=1e-6)
    add("metamer adam step", INDEX["scalars"]["metamer_gauss_curie_adam_step"], 10, rtol=0)
    add("store_progress=3 saved count", INDEX["scalars"]["metamer_gauss_curie_sp3_saved_count"],
        4, rtol=0)

    # RNG anchors
    for i, w in enumerate([0.7576316, 0.27931088, 0.40306926, 0.73468447, 0.029281557]):
        add(f"torch seed1 rand[{i}]", V["torch_seed1_rand5"][i], w)
    for i, w in enumerate([0.66135216, 0.26692411, 0.06167726, 0.62131733, -0.45190597]):
        add(f"torch seed1 randn[{i}]", V["torch_seed1_randn5"][i], w)
    for i, w in enumerate([1.6243453636632417, -0.6117564136500754, -0.5281717522634557,
                           -1.0729686221561705]):
        add(f"np seed1 randn[{i}]", V["np_seed1_randn8"][i], w, rtol=1e-15)

    # pink noise (spec 7.4)
    S = INDEX["scalars"]
    add("pink raw mean", S["pink_noise_raw_mean"], 0.26189, rtol=5e-5)
    add("pink raw var", S["pink_noise_raw_var_ddof1"], 1.0, rtol=1e-12)
    add("pink raw min", S["pink_noise_raw_min"], -3.4924, rtol=5e-5)
    add("pink raw max", S["pink_noise_raw_max"], 3.2806, rtol=5e-5)
    p = _arr("pink_noise_raw")
    for j, w in enumerate([0.841552, 0.457310, 0.167876]):
        add(f"pink raw[0,{j}]", p[0, j], w, rtol=5e-6)

    # eigendistortions
    eig_want = {
        "gauss": ([0.99999994, 0.24959558, 0.24959555], [1.24e-07, 1.33e-07],
                  (0.99999869, 9.59e-04), [0.99999899, 0.24959560, 0.24959554]),
        "cs": ([0.37899017, 0.37899008, 0.37899005], [7.08e-08, 7.24e-08],
               (0.37898278, 1.11e-04), [0.37889659, 0.37873551, 0.37804729]),
        "lg": ([0.00102255, 0.00100087, 0.00098541], [1.30e-10, 1.46e-10],
               (0.00102081, 1.22e-05), [0.00101814, 0.00099300, 0.00098447]),
    }
    for mname, (top3, bot2, pw, rs) in eig_want.items():
        ex = V[f"eig_{mname}_exact_eigenvalues"]
        for i, w in enumerate(top3):
            add(f"eig {mname} exact top[{i}]", ex[i], w, rtol=1e-5)
        # the smallest exact eigenvalues are float32 round-off noise (~1e-7 of lambda_max)
        # (spec's OpenBLAS eigh gave ~1e-7, MKL here gives ~1e-10: both are just noise)
        for i, w in enumerate(bot2):
            add(f"eig {mname} exact smallest[{i}] (noise only)", sorted(ex)[i], w,
                atol=max(ex) * 3e-7)
        pv = V[f"eig_{mname}_power_eigenvalues"]
        # near-degenerate top eigenspaces + absolute 1e-7 stop rule: BLAS-level round-off
        # moves the stopping point slightly (spec used Debian's OpenBLAS build)
        add(f"eig {mname} power top", pv[0], pw[0], rtol=1e-5)
        add(f"eig {mname} power bottom", pv[1], pw[1], rtol=5e-3)
        rv = V[f"eig_{mname}_rsvd_eigenvalues"]
        for i, w in enumerate(rs):
            add(f"eig {mname} rsvd[{i}]", rv[i], w, rtol=1e-5)
        lines = INDEX["texts"][f"eig_{mname}_power_stdout"]
        for tag in ("Top", "Bottom"):
            ok = any(l.startswith(f"{tag} k=1 eigendists computed") for l in lines)
            rows.append((f"eig {mname} '{tag} ... computed' printed", float(ok), 1.0, 0.0, 0.0))
        ed = _arr(f"eig_{mname}_power_eigendistortions")
        rows.append((f"eig {mname} power first pixel <= 0 (both)",
                     float(ed[0].reshape(-1)[0] <= 0 and ed[1].reshape(-1)[0] <= 0), 1.0, 0.0, 0.0))
    ed = _arr("eig_gauss_power_eigendistortions")[0].reshape(-1)
    add("eig gauss power top == -1/16 (max dev)", np.abs(ed + 1 / 16).max(), 0.0, atol=1e-4)

    print("\n=== comparison with spec Appendix A ===")
    nbad = 0
    for label, got, want, atol, rtol in rows:
        diff = abs(got - want)
        ok = diff <= atol + rtol * abs(want)
        nbad += not ok
        rel = diff / abs(want) if want != 0 else float("nan")
        print(f"{'ok ' if ok else 'BAD'} {label:48s} got {got:<+.10g}  want {want:<+.10g}  "
              f"rel {rel:.2e}")
    print(f"{len(rows) - nbad} passed, {nbad} failed (Appendix A comparison)")
    return nbad


# --------------------------------------------------------------------------------------

def main():
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith((".f32", ".f64")) or f == "index.json":
            os.remove(os.path.join(OUT, f))

    import matplotlib
    import scipy
    INDEX["meta"].update({
        "generator": "testdata/reference/make_reference.py",
        "plenoptic": po.__version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "matplotlib": matplotlib.__version__,
        "pyrtools": pt.__version__ if HAVE_PYRTOOLS else None,
        "python": sys.version.split()[0],
        "device": "cpu",
        "torch_num_threads": torch.get_num_threads(),
        "dtype": "float32 unless a case says dtype float64",
        "byte_order": "little-endian, C (row-major) order",
    })

    imgs = {"einstein": load_image("einstein"), "curie": load_image("curie")}
    for k, v in imgs.items():
        ref = getattr(po.data, k)()
        assert torch.equal(ref, v), f"{k}: loaded image differs from po.data.{k}()"
        scalar(f"input_{k}_mean", v.double().mean())

    filters()
    padding()
    models(imgs)
    metamers(imgs)
    eigen(imgs)
    pink()
    tools()

    with open(os.path.join(OUT, "index.json"), "w") as f:
        json.dump(INDEX, f, indent=1, sort_keys=True)
        f.write("\n")

    total = sum(os.path.getsize(os.path.join(OUT, x)) for x in os.listdir(OUT))
    print(f"wrote {len(INDEX['cases'])} arrays, {len(INDEX['scalars'])} scalars, "
          f"{len(INDEX['vectors'])} vectors to {OUT} ({total / 2**20:.2f} MiB)")
    nbad = compare()
    if nbad and "--strict" in sys.argv[1:]:
        sys.exit(1)


if __name__ == "__main__":
    main()
