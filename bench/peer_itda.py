#!/usr/bin/env python3
"""PyTorch CPU peer of SAEKit's ITDA dictionary-construction benchmark, for `make bench`.

Reads `<dir>/itda_config.json` and `<dir>/itda_x.npy` (float32, tokens × d) written by
`saekit-bench --itda <dir>` and builds an ITDA dictionary with the reference algorithm of
Leask, Nanda & Al Moubayed (2025), transcribed from the authors' `train.py`
(`mp_encode`, `ITDATrainer.update`; papers-2.md §2a):

- the rows are streamed in consecutive batches of `batch` tokens (the reference reshapes its
  B × S × d batch to B·S rows; here a batch is already flat and each row is labelled by its
  index in the stream);
- while the dictionary holds fewer than d atoms: `torch.unique(dim=0)` of the batch, sorted by
  count (descending, stable), the first `d − |D|` added, each labelled by its first occurrence;
- `x̂ = mp_encode(D, x, l0) @ D` (plain matching pursuit: one `residual @ D.T` per step, dense
  coefficients, an atom may be chosen again);
- every row with `mean((x/‖x‖ − x̂/‖x̂‖)²) > τ` (norms clamped at 1e-9) is appended; then all
  atoms are renormalised.

Timing as on the Swift side: the whole construction, `repeats` times (`--repeats` overrides it), with
`torch.set_num_threads(threads)` and `torch.inference_mode()`; tokens/s = tokens / median.
Check: the atoms' stream indices against `<dir>/itda_swift_rows.npy` (same rows, same order).
Writes `<dir>/itda_torch.json` atomically.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

from peer_io import write_json_atomically


def mp_encode(atoms, x, l0):
    """The reference `mp_encode`: dense coefficients (N × m) of `l0` matching-pursuit steps."""
    n = x.size(0)
    rows = torch.arange(n)
    residuals = x.clone()
    coefficients = torch.zeros(n, atoms.size(0))
    for _ in range(l0):
        correlations = residuals @ atoms.T
        best = torch.argmax(torch.abs(correlations), dim=1)
        values = correlations[rows, best]
        coefficients[rows, best] += values
        residuals -= values.unsqueeze(1) * atoms[best]
    return coefficients


def normalized(atoms):
    """The reference `normalize_decoder`: rows divided by max(‖row‖, 1e-9)."""
    return atoms / torch.norm(atoms, dim=1).clamp_min(1e-9).unsqueeze(1)


def update(atoms, rows, x, first_row, threshold, l0):
    """One reference `ITDATrainer.update` on the flat batch `x`; returns the new atoms and row labels."""
    d = x.size(1)
    if atoms.size(0) < d:
        unique, inverse, counts = torch.unique(x, dim=0, return_inverse=True, return_counts=True)
        _, order = torch.sort(counts, descending=True, stable=True)
        take = order[: min(d - atoms.size(0), unique.size(0))]
        first = [int(torch.nonzero(inverse == u, as_tuple=True)[0][0]) for u in take.tolist()]
        atoms = normalized(torch.cat([atoms, unique[take]], dim=0))
        rows = rows + [first_row + i for i in first]
    reconstruction = mp_encode(atoms, x, l0) @ atoms
    unit_x = x / x.norm(dim=1, keepdim=True).clamp_min(1e-9)
    unit_r = reconstruction / reconstruction.norm(dim=1, keepdim=True).clamp_min(1e-9)
    errors = (unit_x - unit_r).pow(2).mean(dim=1)
    added = torch.nonzero(errors > threshold, as_tuple=True)[0]
    if added.numel() > 0:
        atoms = normalized(torch.cat([atoms, x[added]], dim=0))
        rows = rows + [first_row + i for i in added.tolist()]
    return atoms, rows


def build(x, threshold, l0, batch):
    atoms, rows = torch.empty(0, x.size(1)), []
    for start in range(0, x.size(0), batch):
        atoms, rows = update(atoms, rows, x[start : start + batch], start, threshold, l0)
    return atoms, rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", default="bench/out", help="folder with itda_config.json and itda_x.npy")
    parser.add_argument("--repeats", type=int, help="builds to time (default: the config's repeats)")
    args = parser.parse_args()
    with open(os.path.join(args.dir, "itda_config.json")) as f:
        cfg = json.load(f)
    torch.set_num_threads(cfg["threads"])
    x = torch.from_numpy(np.load(os.path.join(args.dir, cfg["x"])).astype(np.float32))
    seconds = []
    with torch.inference_mode():
        for _ in range(args.repeats or cfg["repeats"]):
            t0 = time.perf_counter()
            atoms, rows = build(x, cfg["threshold"], cfg["l0"], cfg["batch"])
            seconds.append(time.perf_counter() - t0)
    median = statistics.median(seconds)
    swift_rows_path = os.path.join(args.dir, cfg["swift_rows"])
    same = None
    if os.path.exists(swift_rows_path):
        same = bool(np.array_equal(np.load(swift_rows_path).astype(np.int64), np.array(rows, dtype=np.int64)))
    result = {
        "tokens_per_s": x.size(0) / median, "seconds_median": median, "seconds": seconds,
        "atoms": atoms.size(0), "same_atoms_as_swift": same, "threads": cfg["threads"],
        "torch_version": torch.__version__,
    }
    out = os.path.join(args.dir, "itda_torch.json")
    write_json_atomically(out, result)
    print(f"ITDA PyTorch: {result['tokens_per_s']:.0f} tokens/s (median {median:.2f} s over {len(seconds)} builds), "
          f"{result['atoms']} atoms, same atom rows as Swift: {same}")


if __name__ == "__main__":
    sys.exit(main())
