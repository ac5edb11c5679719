#!/usr/bin/env python3
"""PyTorch CPU peer of the Swift TopK SAE trainer, for `make bench`.

Reads `<dir>/config.json`, `<dir>/train.npy` (float32, N×d) and `<dir>/heldout.npy`
(float32, H×d) written by `saekit-bench`, trains the same TopK SAE with the same
batches, and writes `<dir>/torch.json` (atomically: temp file + os.replace).

Model (Gao et al. 2024, "Scaling and evaluating sparse autoencoders"):
    pre  = (x − b_dec) W_enc + b_enc                       W_enc: d×m
    z    = relu(topk_k(pre))                               k values + indices per row
    x̂    = b_dec + Σ_j z_j W_dec[j]                         embedding_bag, never a dense B×m code
    loss = Σ‖x̂ − x‖² / B + aux
    aux  = c · min(n_dead/k_aux, 1) · Σ‖(x − x̂).detach() − Σ_j z_aux,j W_dec[j]‖² / B
with z_aux = relu(top-k_aux of pre over dead latents), a latent being dead when it
has not fired (z > 0) in the last `dead_window_tokens` tokens.
Optimiser: W_dec gradient projected orthogonal to each row, Adam, linear warm-up,
constant, linear decay over the last `decay_fraction` of steps, rows renormalised.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

from peer_io import write_json_atomically


def load_config(directory):
    with open(os.path.join(directory, "config.json")) as f:
        return json.load(f)


def load_scaled(path, scale):
    """Loads a float32 N×d .npy into memory (C order) and multiplies it by `scale` in place."""
    array = np.ascontiguousarray(np.load(path), dtype=np.float32)
    array *= np.float32(scale)
    return torch.from_numpy(array)


def geometric_median(points, iterations=100):
    """Weiszfeld: y ← Σ wᵢxᵢ / Σ wᵢ with wᵢ = 1/‖xᵢ − y‖, from the mean; stops when ‖Δy‖ < 1e-6·scale,
    scale = sqrt(mean ‖xᵢ‖²)."""
    x = points.double()
    scale = x.pow(2).sum(1).mean().sqrt().item()
    y = x.mean(0)
    for _ in range(iterations):
        distances = (x - y).norm(dim=1).clamp_min(1e-12)
        weights = 1.0 / distances
        y_next = (weights[:, None] * x).sum(0) / weights.sum()
        change = (y_next - y).norm().item()
        y = y_next
        if change < 1e-6 * max(scale, 1e-12):
            break
    return y.float()


def batch_rows(data, step, batch):
    """Rows [(step·batch) mod N, …) of `data`, sequential and wrapping."""
    n = data.shape[0]
    start = (step * batch) % n
    if start + batch <= n:
        return data[start:start + batch]
    return data[torch.arange(start, start + batch) % n]


def learning_rate(cfg, step):
    """lr_t = lr · min((t+1)/W, 1) · min(1, (S − t)/(decay_fraction·S))."""
    steps, warmup = cfg["steps"], cfg["warmup_steps"]
    warm = min((step + 1) / warmup, 1.0) if warmup > 0 else 1.0
    decay_len = cfg["decay_fraction"] * steps
    decay = min(1.0, (steps - step) / decay_len) if decay_len > 0 else 1.0
    return cfg["lr"] * warm * decay


class TopKSAE:
    def __init__(self, cfg, train):
        d, m = cfg["d"], cfg["m"]
        gen = torch.Generator().manual_seed(cfg["seed"])
        w_dec = torch.randn(m, d, generator=gen)
        w_dec /= w_dec.norm(dim=1, keepdim=True)
        self.w_dec = w_dec.requires_grad_()
        self.w_enc = w_dec.detach().t().contiguous().requires_grad_()
        self.b_enc = torch.zeros(m, requires_grad=True)
        sample = train[: min(train.shape[0], 32768)]
        self.b_dec = geometric_median(sample).requires_grad_()
        self.params = [self.w_enc, self.b_enc, self.w_dec, self.b_dec]
        self.k = cfg["k"]

    def encode(self, x):
        """Pre-activations (B×m) and the top-k (values, indices) with relu applied to values."""
        pre = torch.addmm(self.b_enc, x - self.b_dec, self.w_enc)
        values, indices = torch.topk(pre, self.k, dim=1, sorted=False)
        return pre, F.relu(values), indices

    def decode(self, codes, indices):
        return self.b_dec + F.embedding_bag(indices, self.w_dec, per_sample_weights=codes, mode="sum")

    @torch.no_grad()
    def project_decoder_grad(self):
        """g ← g − (g·w) w for each unit-norm decoder row w."""
        g, w = self.w_dec.grad, self.w_dec
        g -= (g * w).sum(dim=1, keepdim=True) * w

    @torch.no_grad()
    def normalise_decoder(self):
        self.w_dec /= self.w_dec.norm(dim=1, keepdim=True).clamp_min(1e-12)


def fvu(error_sq_sum, x):
    """Σ‖x − x̂‖² / Σ‖x − x̄‖² with x̄ the column mean of x."""
    total = (x - x.mean(0)).pow(2).sum().item()
    return error_sq_sum / total if total > 0 else float("nan")


@torch.no_grad()
def heldout_fvu(sae, heldout, batch):
    err = 0.0
    for start in range(0, heldout.shape[0], batch):
        x = heldout[start:start + batch]
        _, codes, indices = sae.encode(x)
        err += (sae.decode(codes, indices) - x).double().pow(2).sum().item()
    centred = (heldout.double() - heldout.double().mean(0)).pow(2).sum().item()
    return err / centred if centred > 0 else float("nan")


def train(cfg, data):
    sae = TopKSAE(cfg, data)
    opt = torch.optim.Adam(sae.params, lr=cfg["lr"], betas=(cfg["beta1"], cfg["beta2"]),
                           eps=cfg["eps"], weight_decay=0.0)
    batch, steps, m = cfg["batch"], cfg["steps"], cfg["m"]
    aux_k, aux_coef, window = cfg["aux_k"], cfg["aux_coefficient"], cfg["dead_window_tokens"]
    since_fired = torch.zeros(m, dtype=torch.long)   # tokens since each latent last fired
    progress_every = max(1, steps // 10)
    step_seconds, last_fvu = [], float("nan")

    for step in range(steps):
        t0 = time.perf_counter()
        x = batch_rows(data, step, batch)
        dead = since_fired >= window
        num_dead = int(dead.sum())

        pre, codes, indices = sae.encode(x)
        error = sae.decode(codes, indices) - x
        recon = error.pow(2).sum() / batch
        loss = recon
        if num_dead > 0:
            dead_pre = pre.masked_fill(~dead, float("-inf"))
            aux_values, aux_indices = torch.topk(dead_pre, min(aux_k, num_dead), dim=1, sorted=False)
            aux_recon = F.embedding_bag(aux_indices, sae.w_dec, per_sample_weights=F.relu(aux_values), mode="sum")
            aux = (aux_recon + error.detach()).pow(2).sum() / batch   # ‖(x − x̂) − ê‖²
            loss = loss + aux_coef * min(num_dead / aux_k, 1.0) * aux

        opt.zero_grad(set_to_none=True)
        loss.backward()
        sae.project_decoder_grad()
        lr = learning_rate(cfg, step)
        for group in opt.param_groups:
            group["lr"] = lr
        opt.step()
        sae.normalise_decoder()

        with torch.no_grad():
            fired = torch.zeros(m, dtype=torch.bool)
            fired[indices[codes > 0]] = True
            since_fired += batch
            since_fired[fired] = 0
        step_seconds.append(time.perf_counter() - t0)

        if (step + 1) % progress_every == 0 or step + 1 == steps:
            with torch.no_grad():
                last_fvu = fvu(error.detach().double().pow(2).sum().item(), x.double())
            print(f"[torch] step {step + 1:>6}/{steps}  loss {loss.item():.4f}  fvu {last_fvu:.4f}  "
                  f"dead {num_dead:>5}  lr {lr:.2e}  {1000 * step_seconds[-1]:.1f} ms", flush=True)
    return sae, step_seconds, last_fvu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True, help="folder with config.json, train.npy, heldout.npy")
    args = parser.parse_args()

    cfg = load_config(args.dir)
    threads = int(cfg["threads"])
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(cfg["seed"])
    data = load_scaled(os.path.join(args.dir, "train.npy"), cfg["input_scale"])
    heldout = load_scaled(os.path.join(args.dir, "heldout.npy"), cfg["input_scale"])
    if data.shape[1] != cfg["d"] or heldout.shape[1] != cfg["d"]:
        sys.exit(f"peer_topk: data width {data.shape[1]}/{heldout.shape[1]} != d={cfg['d']}")
    print(f"[torch] {torch.__version__}, {threads} threads, N={data.shape[0]} H={heldout.shape[0]} "
          f"d={cfg['d']} m={cfg['m']} k={cfg['k']} batch={cfg['batch']} steps={cfg['steps']}", flush=True)

    sae, step_seconds, train_fvu = train(cfg, data)
    skip = int(cfg.get("timed_steps_skip", 3))
    timed = step_seconds[skip:] if len(step_seconds) > skip else step_seconds
    step_median = statistics.median(timed)
    result = {
        "tokens_per_s": cfg["batch"] / step_median,
        "step_ms_median": 1000.0 * step_median,
        "heldout_fvu": heldout_fvu(sae, heldout, cfg["batch"]),
        "train_fvu_last": train_fvu,
        "steps": len(step_seconds),
        "torch_version": torch.__version__,
        "threads": threads,
    }
    write_json_atomically(os.path.join(args.dir, "torch.json"), result)
    print(f"[torch] {result['tokens_per_s']:.0f} tokens/s, median step {result['step_ms_median']:.2f} ms, "
          f"held-out FVU {result['heldout_fvu']:.4f}, last train FVU {train_fvu:.4f}", flush=True)


if __name__ == "__main__":
    main()
