#!/usr/bin/env python3
"""plenoptic 1.1.0's side of texture_workload.go: one coarse-to-fine Portilla-Simoncelli texture
metamer (MetamerCTF) of reptile_skin, PS defaults, l2_norm loss, coarse_to_fine="together",
default change_scale_criterion / ctf_iters_to_check, default Adam, stop criterion off.

    .venv-ref/bin/python testdata/bench/plenoptic_texture.py [--iters N]

Prints JSON: the wall time of the N iterations (CPU torch, 2 threads) and, when N < 1000, the
1000-iteration time extrapolated from them (the coarse scales' iterations cost as much as the
finer ones: plenoptic computes the whole representation at every step).
"""
import argparse
import json
import os
import sys
import time
import warnings

os.environ.setdefault("TQDM_DISABLE", "1")
import torch  # noqa: E402

warnings.filterwarnings("ignore")
import plenoptic as po  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=1000)
    args = ap.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(1)
    t0 = time.perf_counter()
    img = po.data.reptile_skin()
    model = po.simulate.PortillaSimoncelli(img.shape[-2:])
    po.tools.remove_grad(model)
    model.eval()
    met = po.synthesize.MetamerCTF(img, model, loss_function=po.tools.optim.l2_norm, coarse_to_fine="together")
    t1 = time.perf_counter()
    met.synthesize(max_iter=args.iters, stop_criterion=-1)
    t2 = time.perf_counter()
    n = len(met.losses)
    out = {"plenoptic": po.__version__, "torch": torch.__version__, "torch_num_threads": torch.get_num_threads(),
           "iterations": n, "setup_seconds": t1 - t0, "loop_seconds": t2 - t1, "total_seconds": t2 - t0,
           "scales_finished": list(map(str, met.scales_finished)), "last_loss": float(met.losses[-1])}
    out["total_1000_seconds"] = out["setup_seconds"] + out["loop_seconds"] * 1000 / max(1, n)
    out["extrapolated"] = n < 1000
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    sys.exit(main())
