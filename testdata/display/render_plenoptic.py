"""Render plenoptic 1.1.0's figures for the side-by-side comparison with package display.

Run with the reference venv (plenoptic 1.1.0, torch 1.13.1 CPU, matplotlib 3.8.4, pyrtools):

    /work/main/.venv-ref/bin/python testdata/display/render_plenoptic.py

Images come from $GOPLENOPTIC_DATA (default /work/main/.local/data: einstein.pgm, curie.pgm).
Writes into testdata/display/plenoptic/:

* <case>.png      the figure as plenoptic draws it (PyrFigure at 96 dpi for po.imshow; plain
                  matplotlib figures at figure.dpi = 72, as the plenoptic tutorial sets it);
* <array>.f32     raw little-endian float32 input arrays (C order, shape in index.json);
* index.json      the arrays (file, shape, sha256 of the float32 bytes; derived arrays are given
                  as a recipe on a stored one plus the sha256 of the result), and per case: the
                  call, figure size in pixels and, for every axis, its title text, clim, colormap,
                  bounding box (pixels, origin top left), labels, limits and tick labels.

Cases: (a) po.imshow(einstein); (b) [einstein, curie] with vrange='auto0'; (c) a 2x2 grid
(col_wrap=2, vrange='indep0', titles a-d, incl. einstein-0.5 and a 128x128 image zoomed 2x);
(d1, d4) einstein at zoom 1/2 and 1/4, (d2, d3) a 64x64 crop at zoom 2 and 1/2; (e1, e2)
plot_loss of 0.1*0.97**i and of a small metamer run; (f1, f2) plot_synthesis_status of that run
(default panels; all four at iteration 10); (f3) the first and last frames of animate(met);
(g1, g2) po.imshow of a signed (2,1,16,16) "eigendistortion" tensor at zoom 1 and 8; (h)
display_eigendistortion of it on a 16x16 crop; (i1, i2) plot_synthesis_status of a small MAD
Competition run (MSE against 1 - SSIM on a 32x32 crop; default panels; iteration 10) and (i3)
display_mad_image_all of the four runs of that pair at zoom 4.

display/sidebyside_test.go renders the same cases with package display from these arrays
(`go test ./display/ -run TestSideBySidePlenoptic -update` writes them into testdata/display/goplenoptic/); COMPARISON.md compares them.
The renders are deterministic: running this again reproduces the same files.
"""

import hashlib
import json
import os
import sys
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

warnings.filterwarnings("ignore")
import plenoptic as po  # noqa: E402
from plenoptic.synthesize import metamer as pmet  # noqa: E402
from plenoptic.synthesize import eigendistortion as peig  # noqa: E402
from plenoptic.synthesize import mad_competition as pmad  # noqa: E402

# The plenoptic tutorial sets figure.dpi = 72; it affects the plain matplotlib
# figures (plot_loss, plot_synthesis_status, animate) but not po.imshow's PyrFigure (96 dpi).
plt.rcParams["figure.dpi"] = 72

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "plenoptic")
DATA = os.environ.get("GOPLENOPTIC_DATA", "/work/main/.local/data")
os.makedirs(OUT, exist_ok=True)

index = {
    "generator": "testdata/display/render_plenoptic.py",
    "versions": {
        "plenoptic": po.__version__,
        "matplotlib": matplotlib.__version__,
        "torch": torch.__version__,
        "numpy": np.__version__,
        "python": sys.version.split()[0],
    },
    "arrays": {},
    "cases": [],
}


def sha(a):
    return hashlib.sha256(np.ascontiguousarray(a, dtype="<f4").tobytes()).hexdigest()


def store(name, t):
    """Save a tensor as raw float32 and index it."""
    a = t.detach().cpu().numpy().astype("<f4")
    fn = name + ".f32"
    a.tofile(os.path.join(OUT, fn))
    index["arrays"][name] = {"file": fn, "shape": list(a.shape), "sha256": sha(a)}
    return t


def derive(name, t, recipe):
    """Index a tensor derived from a stored array (not stored itself)."""
    a = t.detach().cpu().numpy().astype("<f4")
    index["arrays"][name] = {"derived": recipe, "shape": list(a.shape), "sha256": sha(a)}
    return t


def bbox_px(fig, artist):
    """Bounding box of an artist in pixels of the saved PNG, origin at its top left: [x0, y0, x1, y1].

    Agg draws on a canvas of int(figure height) pixels and flips y with that integer height, so
    with a fractional figure height (4.8 in at 72 dpi = 345.6) the top 0.6 px are cut off."""
    r = fig.canvas.get_renderer()
    b = artist.get_window_extent(r)
    h = int(r.height)  # RendererAgg keeps the float; its pixel buffer is int(height) tall
    return [round(b.x0, 3), round(h - b.y1, 3), round(b.x1, 3), round(h - b.y0, 3)]


def describe(fig):
    fig.canvas.draw()
    axes = []
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        d = {"title": ax.get_title(), "bbox": bbox_px(fig, ax),
             "title_fontsize_pt": round(ax.title.get_fontsize(), 4),
             # axison False: axis('off'), nothing of the axis is drawn; frame_on: spines drawn.
             "axis_on": bool(ax.axison),
             "frame_on": bool(ax.axison and ax.get_frame_on()
                              and any(s.get_visible() for s in ax.spines.values())),
             "ticks_on": bool(ax.axison and (ax.xaxis.get_visible() or ax.yaxis.get_visible()))}
        if ax.images:
            im = ax.images[0]
            d["kind"] = "image"
            d["clim"] = [float(v) for v in im.get_clim()]
            d["cmap"] = im.get_cmap().name
            d["image_bbox"] = bbox_px(fig, im)
            d["array_shape"] = list(np.shape(im.get_array()))
        else:
            d["kind"] = "plot"
            d["xlabel"], d["ylabel"] = ax.get_xlabel(), ax.get_ylabel()
            d["xlim"] = [float(v) for v in ax.get_xlim()]
            d["ylim"] = [float(v) for v in ax.get_ylim()]
            d["yscale"] = ax.get_yscale()
            d["xticklabels"] = [t.get_text() for t in ax.get_xticklabels()
                                if t.get_text() and ax.get_xlim()[0] <= t.get_position()[0] <= ax.get_xlim()[1]]
            lo, hi = sorted(ax.get_ylim())
            d["yticklabels"] = [t.get_text() for t in ax.get_yticklabels()
                                if t.get_text() and lo <= t.get_position()[1] <= hi]
            leg = ax.get_legend()
            if leg is not None:
                d["legend"] = [t.get_text() for t in leg.get_texts()]
        axes.append(d)
    return axes


def save(fig, name, call, inputs, args, **extra):
    path = os.path.join(OUT, name + ".png")
    fig.savefig(path)
    from PIL import Image
    with Image.open(path) as im:
        size = list(im.size)
        # matplotlib writes RGBA; every pixel is opaque, so RGB keeps the same pixels, smaller.
        rgba = np.asarray(im.convert("RGBA"))
    assert (rgba[..., 3] == 255).all(), name
    Image.fromarray(rgba[..., :3]).save(path, optimize=True)
    case = {"name": name, "call": call, "inputs": inputs, "args": args, "png": name + ".png",
            "figure_px": size, "dpi": fig.dpi, "axes": describe(fig)}
    case.update(extra)
    index["cases"].append(case)
    plt.close(fig)
    print(f"{name}: {size[0]}x{size[1]} px, {len(case['axes'])} axes")


# --- data ---------------------------------------------------------------------------------
einstein = store("einstein", po.tools.load_images(os.path.join(DATA, "einstein.pgm")))
curie = store("curie", po.tools.load_images(os.path.join(DATA, "curie.pgm")))
assert einstein.shape == (1, 1, 256, 256) and curie.shape == (1, 1, 256, 256)
einstein_m05 = derive("einstein_minus_half", einstein - 0.5, {"from": "einstein", "op": "sub", "value": 0.5})
curie_half = derive("curie_sub2", curie[..., ::2, ::2].contiguous(),
                    {"from": "curie", "op": "subsample", "step": 2})
crop64 = derive("einstein_crop64", einstein[..., 96:160, 96:160].contiguous(),
                {"from": "einstein", "op": "crop", "y": 96, "x": 96, "h": 64, "w": 64})

# --- (a)-(d) po.imshow ---------------------------------------------------------------------
fig = po.imshow(einstein)
save(fig, "a_imshow_einstein", "po.imshow(einstein)", ["einstein"], {})

fig = po.imshow([einstein, curie], vrange="auto0")
save(fig, "b_imshow_pair_auto0", "po.imshow([einstein, curie], vrange='auto0')",
     ["einstein", "curie"], {"vrange": "auto0"})

fig = po.imshow([einstein, curie, einstein_m05, curie_half], vrange="indep0", col_wrap=2,
                title=["a", "b", "c", "d"])
save(fig, "c_imshow_grid_indep0",
     "po.imshow([einstein, curie, einstein-0.5, curie[..., ::2, ::2]], vrange='indep0', col_wrap=2, "
     "title=['a', 'b', 'c', 'd'])",
     ["einstein", "curie", "einstein_minus_half", "curie_sub2"],
     {"vrange": "indep0", "col_wrap": 2, "title": ["a", "b", "c", "d"]})

fig = po.imshow(einstein, zoom=0.5)
save(fig, "d1_imshow_zoom_half", "po.imshow(einstein, zoom=0.5)", ["einstein"], {"zoom": 0.5})

fig = po.imshow(einstein, zoom=0.25)
save(fig, "d4_imshow_zoom_quarter", "po.imshow(einstein, zoom=0.25)", ["einstein"], {"zoom": 0.25})

fig = po.imshow(crop64, zoom=2)
save(fig, "d2_imshow_crop_zoom2", "po.imshow(einstein[..., 96:160, 96:160], zoom=2)",
     ["einstein_crop64"], {"zoom": 2})

fig = po.imshow(crop64, zoom=0.5)
save(fig, "d3_imshow_crop_zoom_half", "po.imshow(einstein[..., 96:160, 96:160], zoom=0.5)",
     ["einstein_crop64"], {"zoom": 0.5})


# --- (e) plot_loss -------------------------------------------------------------------------
class FakeLosses:
    """plot_loss only reads .losses."""

    def __init__(self, losses):
        self.losses = losses


curve = torch.tensor([0.1 * 0.97 ** i for i in range(100)], dtype=torch.float32)
store("loss_curve", curve)
fig = plt.figure()
pmet.plot_loss(FakeLosses(curve))
save(fig, "e1_plot_loss_curve", "plot_loss(<object with .losses = 0.1*0.97**i, i < 100>)",
     ["loss_curve"], {"iteration": None})

# --- the small metamer --------------------------------------------------------------------
target = derive("met_target", einstein[..., 100:132, 100:132].contiguous(),
                {"from": "einstein", "op": "crop", "y": 100, "x": 100, "h": 32, "w": 32})
init = derive("met_initial", curie[..., 100:132, 100:132].contiguous(),
              {"from": "curie", "op": "crop", "y": 100, "x": 100, "h": 32, "w": 32})
torch.manual_seed(0)
model = po.simulate.Gaussian((7, 7), std=1.0, pad_mode="circular")
po.tools.remove_grad(model)
model.eval()
met = po.synthesize.Metamer(target, model, initial_image=init)
met.synthesize(max_iter=30, store_progress=True)
saved = met.saved_metamer  # (N, 1, 1, 32, 32)
losses = met.losses
store("met_losses", losses)
store("met_saved", saved)
store("met_current", met.metamer)
with torch.no_grad():
    store("met_rep_error_saved", torch.stack([model(s) - met.target_representation for s in saved]))
    store("met_rep_error_current", model(met.metamer) - met.target_representation)
index["metamer"] = {
    "model": "po.simulate.Gaussian((7, 7), std=1.0, pad_mode='circular')",
    "call": "Metamer(einstein[...,100:132,100:132], model, initial_image=curie[...,100:132,100:132])"
            ".synthesize(max_iter=30, store_progress=True)",
    "store_progress": int(met.store_progress),
    "n_losses": len(losses), "n_saved": int(saved.shape[0]),
}

fig = plt.figure()
pmet.plot_loss(met)
save(fig, "e2_plot_loss_metamer", "plot_loss(met)", ["met_losses"], {"iteration": None})

# --- (f) plot_synthesis_status and animate ------------------------------------------------
fig, _ = pmet.plot_synthesis_status(met)
save(fig, "f1_synthesis_status", "plot_synthesis_status(met)", ["metamer"], {})

fig, _ = pmet.plot_synthesis_status(met, iteration=10, included_plots=[
    "display_metamer", "plot_loss", "plot_representation_error", "plot_pixel_values"])
save(fig, "f2_synthesis_status_all_it10",
     "plot_synthesis_status(met, iteration=10, included_plots=[all four])", ["metamer"],
     {"iteration": 10, "included_plots": ["display_metamer", "plot_loss",
                                          "plot_representation_error", "plot_pixel_values"]})

anim = pmet.animate(met)
n_frames = int(saved.shape[0])
# What Animation.save does per frame: _init_draw once, then _draw_frame(i) and savefig.
anim._init_draw()
for i, tag in [(0, "first"), (n_frames - 1, "last")]:
    anim._draw_frame(i)
    save(anim._fig, f"f3_animate_frame_{tag}", f"animate(met): frame {i} of {n_frames}",
         ["metamer"], {"frame": i}, n_frames=n_frames)

# --- (g) eigendistortion-like data --------------------------------------------------------
g = torch.Generator().manual_seed(1)
eig = torch.randn(2, 1, 16, 16, generator=g)
eig[1] = eig[1] * 0.25 + torch.linspace(-1, 1, 16)[None, :]
eig = eig / eig.flatten(1).norm(dim=1)[:, None, None, None]
store("eig", eig)
fig = po.imshow(eig)
save(fig, "g1_imshow_eig_default", "po.imshow(eig)  # eig: (2,1,16,16) signed, unit norm",
     ["eig"], {})
fig = po.imshow(eig, zoom=8, title=["Maximum eigendistortion", "Minimum eigendistortion"])
save(fig, "g2_imshow_eig_zoom8",
     "po.imshow(eig, zoom=8, title=['Maximum eigendistortion', 'Minimum eigendistortion'])",
     ["eig"], {"zoom": 8, "title": ["Maximum eigendistortion", "Minimum eigendistortion"]})


class FakeEig:
    """What display_eigendistortion reads from an Eigendistortion object."""

    def __init__(self, image, dists, eigenindex):
        self.image, self.eigendistortions = image, dists
        self.eigenindex = torch.tensor(eigenindex)
        self.n_channels, self.im_height, self.im_width = image.shape[1:]

    def _indexer(self, idx):
        n = self.n_channels * self.im_height * self.im_width
        idx = idx + n if idx < 0 else idx
        rows = (self.eigenindex == idx).nonzero()
        assert len(rows) == 1, "eigenindex must be the index of one of the vectors"
        return rows[0].item()


eig_img = derive("eig_image", einstein[..., 120:136, 120:136].contiguous(),
                 {"from": "einstein", "op": "crop", "y": 120, "x": 120, "h": 16, "w": 16})
fe = FakeEig(eig_img, eig, [0, 255])
fig = peig.display_eigendistortion(fe, eigenindex=-1, alpha=5.0, zoom=8)
save(fig, "h_display_eigendistortion",
     "display_eigendistortion(eig(image=einstein[...,120:136,120:136], eigendistortions=eig, "
     "eigenindex=[0, 255]), eigenindex=-1, alpha=5, zoom=8)",
     ["eig_image", "eig"], {"eigenindex": -1, "alpha": 5.0, "zoom": 8, "eigenindex_list": [0, 255]})

# --- (i) MAD Competition -----------------------------------------------------------------
def one_minus_ssim(x, y):
    return 1 - po.metric.ssim(x, y)


mad_img = derive("mad_image", einstein[..., 100:132, 100:132].contiguous(),
                 {"from": "einstein", "op": "crop", "y": 100, "x": 100, "h": 32, "w": 32})
mads = {}
for opt, ref, lam in [("mse", "ssim", 1.0), ("ssim", "mse", 1e4)]:
    for target in ["min", "max"]:
        fn = {"mse": po.metric.mse, "ssim": one_minus_ssim}
        torch.manual_seed(0)
        mad = po.synthesize.MADCompetition(mad_img, fn[opt], fn[ref], target, metric_tradeoff_lambda=lam)
        mad.synthesize(max_iter=20, store_progress=True, stop_criterion=-1)
        name = f"mad_{opt}_{target}"
        mads[name] = mad
        store(name + "_initial", mad.initial_image)
        store(name + "_current", mad.mad_image)
        store(name + "_saved", mad.saved_mad_image)
        store(name + "_losses", torch.as_tensor(mad.losses))
        store(name + "_optimized_metric_loss", mad.optimized_metric_loss)
        store(name + "_reference_metric_loss", mad.reference_metric_loss)
index["mad"] = {
    "call": "MADCompetition(einstein[...,100:132,100:132], metric1, metric2, target, metric_tradeoff_lambda=1 "
            "(mse) or 1e4 (one_minus_ssim)).synthesize(max_iter=20, store_progress=True, stop_criterion=-1)"
            " after torch.manual_seed(0); metrics po.metric.mse and 1 - po.metric.ssim",
}
fig, _ = pmad.plot_synthesis_status(mads["mad_ssim_min"])
save(fig, "i1_mad_synthesis_status", "plot_synthesis_status(mad_ssim_min)", ["mad_ssim_min"], {})
fig, _ = pmad.plot_synthesis_status(mads["mad_ssim_min"], iteration=10)
save(fig, "i2_mad_synthesis_status_it10", "plot_synthesis_status(mad_ssim_min, iteration=10)",
     ["mad_ssim_min"], {"iteration": 10})
fig = pmad.display_mad_image_all(mads["mad_mse_min"], mads["mad_ssim_min"], mads["mad_mse_max"],
                                 mads["mad_ssim_max"], zoom=4)
save(fig, "i3_mad_image_all", "display_mad_image_all(mse_min, ssim_min, mse_max, ssim_max, zoom=4)",
     ["mad_mse_min", "mad_ssim_min", "mad_mse_max", "mad_ssim_max"], {"zoom": 4})

# The colormaps' byte tables, as matplotlib applies them to images (to_rgba(..., bytes=True)).
index["colormaps"] = {n: matplotlib.colormaps[n](np.arange(256), bytes=True)[:, :3].tolist()
                      for n in ["gray", "RdBu_r"]}

with open(os.path.join(OUT, "index.json"), "w") as f:
    json.dump(index, f, indent=1)
    f.write("\n")
total = sum(os.path.getsize(os.path.join(OUT, p)) for p in os.listdir(OUT))
print(f"wrote {len(index['cases'])} cases, {len(index['arrays'])} arrays, {total / 1e6:.2f} MB into {OUT}")
