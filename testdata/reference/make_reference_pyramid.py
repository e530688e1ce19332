#!/usr/bin/env python3
"""Parity reference data for the steerable pyramid and the Portilla-Simoncelli model.

Run from anywhere with the reference venv (`make reference` runs it):

    .venv-ref/bin/python testdata/reference/make_reference_pyramid.py

Writes testdata/reference/out/pyramid/ in the layout of make_reference.py's out/
(index.json with meta/cases/scalars/vectors/texts, raw little-endian .f32/.f64 files);
Go tests read it with internal/reftest under "pyramid/<name>".

Contents (plenoptic 1.1.0, torch on the CPU, float32, one thread, fixed seeds):

  * pyr/<case>/...       SteerablePyramidFreq coefficients of einstein / curie crops
                         for several heights, orders, twidths, real and complex,
                         downsampled or not, tight frame or not, an odd size, one
                         256x256 image; recon_pyr of each (all levels and a selection),
                         forward(x, scales=...) selections, convert_pyr_to_tensor.
  * ps/<case>/rep         PortillaSimoncelli statistics (reptile_skin, einstein, curie;
                         default and other n_scales / n_orientations / spatial_corr_width,
                         a batch of two), with the scales of each statistic (texts),
                         remove_scales selections, and plot_representation's data.
  * ps/<case>/grad        the gradient, with respect to the image, of <w, model(image)>
                         for the stored weight vector w (torch autograd).
  * metamer/...           a deterministic 20-iteration Metamer of reptile_skin with the
                         PS model and the loss plenoptic 1.1.0's texture tutorial uses
                         (po.tools.optim.l2_norm), default optimizer (Adam, lr 0.01,
                         amsgrad) and range penalty, from a stored uniform-noise image.
  * errors                plenoptic's messages for bad arguments (texts).

Images are read from $GOPLENOPTIC_DATA (default <repo>/.local/data) and must equal the
copies inside the plenoptic wheel. Runtime: about a minute.
"""

import functools
import hashlib
import json
import os
import sys
import warnings

os.environ.setdefault("TQDM_DISABLE", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

warnings.filterwarnings("ignore")

import plenoptic as po  # noqa: E402
from refout import Area, jsonable  # noqa: E402

torch.set_num_threads(1)
torch.set_default_dtype(torch.float32)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(HERE, "out", "pyramid")

AREA = Area("pyramid")
OUT = AREA.dir
INDEX = AREA.index
save = functools.partial(AREA.save, dtype="float32")  # float32 unless asked
scalar, vector, text, save_complex = AREA.scalar, AREA.vector, AREA.text, AREA.save_complex
_jsonable = jsonable


def load_image(name):
    d = os.environ.get("GOPLENOPTIC_DATA") or os.path.join(ROOT, ".local", "data")
    path = os.path.join(d, name + ".pgm")
    img = po.load_images(path)
    with open(path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    INDEX["meta"].setdefault("inputs", {})[name] = {"file": name + ".pgm", "sha256": sha}
    ref = getattr(po.data, name)()
    assert torch.equal(ref, img), f"{name}: {path} differs from po.data.{name}()"
    return img


def crop(img, top, left, h, w):
    return img[..., top:top + h, left:left + w].contiguous()


def weights(n, k=0):
    """The deterministic projection the Go tests rebuild: cos(1.7 i + 0.3 k), i = 0..n-1."""
    return torch.cos(1.7 * torch.arange(n, dtype=torch.float64) + 0.3 * k).to(torch.float32)


def key_name(k):
    return k if isinstance(k, str) else f"{k[0]}_{k[1]}"


# --------------------------------------------------------------------------------------
# steerable pyramid
# --------------------------------------------------------------------------------------

def pyramid_case(name, img, image_name, crop_spec, kwargs, recon_selections=(), scale_selections=(),
                 gradient=False, only_keys=None):
    x = crop(img, *crop_spec) if crop_spec else img
    pyr = po.simulate.SteerablePyramidFreq(x.shape[-2:], **kwargs)
    params = {"image": image_name, "crop": list(crop_spec) if crop_spec else None,
              "shape": list(x.shape), "kwargs": kwargs, "num_scales": pyr.num_scales,
              "num_orientations": pyr.num_orientations}
    coeffs = pyr(x)
    text(f"pyr/{name}/keys", [key_name(k) for k in coeffs.keys()])
    for k, v in coeffs.items():
        if only_keys is not None and key_name(k) not in only_keys:
            continue
        if v.is_complex():
            save_complex(f"pyr/{name}/{key_name(k)}", v)
        else:
            save(f"pyr/{name}/{key_name(k)}", v)
    save(f"pyr/{name}/recon", pyr.recon_pyr(coeffs), params)
    for i, (levels, bands) in enumerate(recon_selections):
        r = pyr.recon_pyr(coeffs, levels=levels, bands=bands)
        save(f"pyr/{name}/recon_sel{i}", r, {"levels": levels, "bands": bands})
    for i, scales in enumerate(scale_selections):
        sub = pyr(x, scales=scales)
        text(f"pyr/{name}/scales_sel{i}", [str(s) for s in scales] + ["->"] +
             [key_name(k) for k in sub.keys()])
    text(f"pyr/{name}/scales", [str(s) for s in pyr.scales])
    if gradient:
        xg = x.clone().requires_grad_()
        c = pyr(xg)
        loss = 0
        for j, (k, v) in enumerate(c.items()):
            parts = [v.real, v.imag] if v.is_complex() else [v]
            for p_i, part in enumerate(parts):
                w = weights(part.numel(), 2 * j + p_i).reshape(part.shape)
                loss = loss + (part * w).sum()
        r = pyr.recon_pyr(c)
        loss = loss + (r * weights(r.numel(), 99).reshape(r.shape)).sum()
        loss.backward()
        save(f"pyr/{name}/grad", xg.grad)
    return pyr, coeffs


def pyramids(imgs):
    e, c = imgs["einstein"], imgs["curie"]
    pyramid_case("e64_real", e, "einstein", (96, 96, 64, 64), dict(),
                 recon_selections=[(["residual_lowpass"], "all"), ([1, "residual_highpass"], [0, 2])],
                 scale_selections=[[0, "residual_lowpass"], ["residual_highpass"], [3, 1]],
                 gradient=True)
    pyramid_case("e64_complex", e, "einstein", (96, 96, 64, 64), dict(height=3, is_complex=True),
                 recon_selections=[([0, "residual_highpass"], [1, 2]), ([2], "all")],
                 scale_selections=[[2, "residual_lowpass"]], gradient=True)
    pyramid_case("c64_order1_tw2", c, "curie", (80, 64, 64, 64), dict(height=2, order=1, twidth=2))
    pyramid_case("c64_complex_order5_nodown", c, "curie", (80, 64, 64, 64),
                 dict(height=2, order=5, is_complex=True, downsample=False),
                 recon_selections=[([1, "residual_lowpass"], [0, 3, 5])], gradient=True)
    pyramid_case("e64_tight_nodown_order2", e, "einstein", (96, 96, 64, 64),
                 dict(height=3, order=2, downsample=False, tight_frame=True))
    pyramid_case("c64_complex_tight", c, "curie", (80, 64, 64, 64), dict(height=3, is_complex=True, tight_frame=True))
    pyramid_case("c48x40_real", c, "curie", (100, 90, 48, 40), dict(height=3, order=2))
    pyramid_case("e37x30_odd", e, "einstein", (50, 60, 37, 30), dict(height=2))
    pyramid_case("e256_real", e, "einstein", None, dict(height=4),
                 only_keys=["residual_highpass", "0_1", "1_2", "3_3", "residual_lowpass"])

    # convert_pyr_to_tensor / convert_tensor_to_pyr (downsample=False only).
    x = crop(c, 80, 64, 32, 32)
    x2 = torch.cat([x, crop(e, 96, 96, 32, 32)], 1)  # two channels
    pyr = po.simulate.SteerablePyramidFreq((32, 32), height=2, is_complex=True, downsample=False)
    coeffs = pyr(x2)
    text("convert/input", ["channels: curie crop (80, 64, 32, 32), einstein crop (96, 96, 32, 32)"])
    t, info = pyr.convert_pyr_to_tensor(coeffs, split_complex=True)
    save("convert/split", t)
    text("convert/split_info", [info[0], info[1]] + [key_name(k) for k in info[2]])
    back = pyr.convert_tensor_to_pyr(t, *info)
    assert all(torch.allclose(back[k], coeffs[k]) for k in coeffs)
    tc, infoc = pyr.convert_pyr_to_tensor(coeffs, split_complex=False)
    save_complex("convert/nosplit", tc)
    text("convert/nosplit_info", [infoc[0], infoc[1]] + [key_name(k) for k in infoc[2]])
    pyr_r = po.simulate.SteerablePyramidFreq((32, 32), height=2, downsample=False)
    tr, infor = pyr_r.convert_pyr_to_tensor(pyr_r(x2), split_complex=False)
    save("convert/real", tr)
    text("convert/real_info", [infor[0], infor[1]] + [key_name(k) for k in infor[2]])
    try:
        pyrd = po.simulate.SteerablePyramidFreq((32, 32), height=2)
        pyrd.convert_pyr_to_tensor(pyrd(x))
    except Exception as ex:  # noqa: BLE001
        text("errors/convert_downsampled", [str(ex)])


# --------------------------------------------------------------------------------------
# Portilla-Simoncelli
# --------------------------------------------------------------------------------------

def ps_case(name, img, inputs, kwargs, gradient=False, scale_selections=(), plot=False, dict_out=False):
    """inputs: [[image, crop or None], ...] stacked on the batch axis, or
    {"channels": [...]} stacked on the channel axis."""
    model = po.simulate.PortillaSimoncelli(img.shape[-2:], **kwargs)
    po.tools.remove_grad(model)
    model.eval()
    params = {"shape": list(img.shape), "kwargs": kwargs, "inputs": inputs}
    rep = model(img)
    save(f"ps/{name}/rep", rep, params)
    text(f"ps/{name}/scales", [str(s) for s in model.scales])
    text(f"ps/{name}/rep_scales", [str(s) for s in model._representation_scales])
    for i, scales in enumerate(scale_selections):
        r = model(img, scales=scales)
        save(f"ps/{name}/rep_sel{i}", r, {"scales": scales})
    if dict_out:
        d = model.convert_to_dict(rep)
        text(f"ps/{name}/dict_keys", [f"{k} {list(v.shape)}" for k, v in d.items()])
        mask = torch.cat([v.flatten() for v in model._necessary_stats_dict.values()])
        save(f"ps/{name}/necessary_mask", mask.float())
        back = model.convert_to_tensor(d)
        assert torch.equal(back, rep)
    if plot:
        data = rep[0].unsqueeze(0).mean(1, keepdim=True)
        r = {k: v[0, 0] for k, v in model.convert_to_dict(data).items()}
        pdata = model._representation_for_plotting(r)
        text(f"ps/{name}/plot_keys", list(pdata.keys()))
        for i, (k, v) in enumerate(pdata.items()):
            save(f"ps/{name}/plot{i}", v.flatten(), {"key": k})
    if gradient:
        w = weights(rep.shape[-1]) / (rep.detach()[0, 0].abs() + 1e-2)
        save(f"ps/{name}/grad_weights", w)
        xg = img.clone().requires_grad_()
        loss = (model(xg) * w).sum()
        loss.backward()
        save(f"ps/{name}/grad", xg.grad)
    return model


def portilla_simoncelli(imgs):
    r, e, c = imgs["reptile_skin"], imgs["einstein"], imgs["curie"]
    ps_case("reptile256", r, [["reptile_skin", None]], {}, gradient=True, plot=True, dict_out=True,
            scale_selections=[["pixel_statistics", "residual_lowpass"], [3, 1, "residual_highpass"]])
    ps_case("einstein256", e, [["einstein", None]], {}, gradient=True)
    ps_case("curie256", c, [["curie", None]], {})
    ps_case("curie128_s3_o3_w7", crop(c, 64, 64, 128, 128), [["curie", [64, 64, 128, 128]]],
            dict(n_scales=3, n_orientations=3, spatial_corr_width=7), gradient=True, dict_out=True,
            scale_selections=[[2, "residual_lowpass"]])
    ps_case("einstein64_s2_o5_w8", crop(e, 96, 96, 64, 64), [["einstein", [96, 96, 64, 64]]],
            dict(n_scales=2, n_orientations=5, spatial_corr_width=8), dict_out=True, plot=True)
    ps_case("reptile64_s1", crop(r, 0, 0, 64, 64), [["reptile_skin", [0, 0, 64, 64]]], dict(n_scales=1, spatial_corr_width=5),
            dict_out=True, plot=True, gradient=True)
    batch = torch.cat([crop(e, 64, 64, 128, 128), crop(c, 64, 64, 128, 128)], 0)
    two_ch = torch.cat([crop(r, 0, 0, 128, 128), crop(e, 64, 64, 128, 128)], 1)
    ps_case("batch2_128", batch, [["einstein", [64, 64, 128, 128]], ["curie", [64, 64, 128, 128]]],
            dict(n_scales=3))
    ps_case("channels2_128", two_ch,
            {"channels": [["reptile_skin", [0, 0, 128, 128]], ["einstein", [64, 64, 128, 128]]]},
            dict(n_scales=3), plot=True)


def metamer(imgs):
    img = imgs["reptile_skin"]
    model = po.simulate.PortillaSimoncelli(img.shape[-2:])
    po.tools.remove_grad(model)
    model.eval()
    torch.manual_seed(0)
    init = torch.rand_like(img)
    save("metamer/init", init, {"seed": 0, "how": "torch.manual_seed(0); torch.rand_like(reptile_skin)"})
    met = po.synthesize.Metamer(img, model, loss_function=po.tools.optim.l2_norm, initial_image=init)
    met.synthesize(max_iter=20)
    vector("metamer/losses", met.losses)
    vector("metamer/gradient_norm", met.gradient_norm)
    vector("metamer/pixel_change_norm", met.pixel_change_norm)
    save("metamer/final", met.metamer)
    INDEX["meta"]["metamer"] = {
        "target": "reptile_skin", "model": "PortillaSimoncelli((256, 256)) defaults",
        "loss_function": "po.tools.optim.l2_norm",
        "optimizer": "Metamer default: Adam(lr=0.01, amsgrad=True)",
        "range_penalty_lambda": 0.1, "allowed_range": [0, 1], "max_iter": 20,
    }


# --------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------

def errors():
    def msg(name, fn):
        try:
            fn()
        except Exception as ex:  # noqa: BLE001
            text(f"errors/{name}", [type(ex).__name__, str(ex)])
        else:
            raise AssertionError(f"{name}: no error")

    P = po.simulate.SteerablePyramidFreq
    msg("height", lambda: P((64, 64), height=5))
    msg("order0", lambda: P((64, 64), order=0))
    msg("order16", lambda: P((64, 64), order=16))
    msg("twidth", lambda: P((64, 64), twidth=0))
    msg("rank", lambda: P((64, 64))(torch.zeros(1, 64, 64)))
    msg("scales", lambda: P((64, 64), height=2)(torch.zeros(1, 1, 64, 64), scales=[2]))
    pyr = P((64, 64), height=2)
    x = torch.rand(1, 1, 64, 64)
    part = pyr(x, scales=[0, "residual_lowpass"])
    msg("recon_missing", lambda: pyr.recon_pyr(part))
    full = pyr(x)
    msg("recon_level", lambda: pyr.recon_pyr(full, levels=[2]))
    msg("recon_band", lambda: pyr.recon_pyr(full, bands=[4]))
    PS = po.simulate.PortillaSimoncelli
    msg("ps_shape", lambda: PS((96, 100), n_scales=4))
    msg("ps_rank", lambda: PS((64, 64))(torch.zeros(64, 64)))
    m = PS((64, 64), n_scales=2)
    msg("ps_dict_len", lambda: m.convert_to_dict(m(torch.rand(1, 1, 64, 64), scales=[0])))


def main():
    AREA.clear()
    INDEX["meta"].update({
        "generator": "testdata/reference/make_reference_pyramid.py",
        "plenoptic": po.__version__, "torch": torch.__version__, "numpy": np.__version__,
        "python": sys.version.split()[0], "device": "cpu",
        "torch_num_threads": torch.get_num_threads(),
        "dtype": "float32", "byte_order": "little-endian, C (row-major) order",
        "complex": "complex tensors are stored as <name>.re and <name>.im",
        "keys": "pyramid keys (s, b) are written s_b; crops are (top, left, height, width)",
        "weights": "projection weights w_k[i] = cos(1.7 i + 0.3 k) (float64, then float32)",
    })
    imgs = {k: load_image(k) for k in ("einstein", "curie", "reptile_skin")}
    pyramids(imgs)
    portilla_simoncelli(imgs)
    errors()
    metamer(imgs)
    AREA.write()


if __name__ == "__main__":
    main()
