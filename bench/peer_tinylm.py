#!/usr/bin/env python3
"""PyTorch CPU peer of SAEKit's TinyLM training benchmark, for `make bench`.

Reads what `saekit-bench --tinylm <dir>` writes: `<dir>/tinylm_config.json`, the initial weights
`<dir>/tinylm_init/` (config.json + model.safetensors in Hugging Face's GPT-2 layout),
`<dir>/tinylm_tokens.npy` and `<dir>/tinylm_targets.npy` (int64, steps × batch × length).
Loads the weights with `transformers.GPT2LMHeadModel.from_pretrained` (float32, eval mode: no
dropout; the output head is the same tensor as wte) and takes the same AdamW steps on the same
batches with `torch.set_num_threads(threads)`:

    loss  = F.cross_entropy(logits.view(-1, V), targets.view(-1))   (mean over all targets; the
            targets are given, not the model's internal label shift)
    clip  = torch.nn.utils.clip_grad_norm_(params, clip_norm)        (global L2 norm)
    AdamW = torch.optim.AdamW, two groups: weight decay for the parameters whose name contains one
            of the config's `decayed` fragments (wte, wpe, the four block matrices), none for
            biases and LayerNorm parameters; lr of step s = learning_rates[s]

Timing as on the Swift side: per step, a forward pass with the loss under `torch.no_grad()` is
timed alone (forward only), then zero_grad + forward + backward + clip + step is timed (training);
steps before `timed_from_step` are not timed; tokens/s = batch · length / median seconds.
Writes `<dir>/tinylm_torch.json` atomically (same keys as `tinylm_swift.json`, plus torch version
and threads), and prints the largest relative difference of the per-step losses from Swift's when
`<dir>/tinylm_swift.json` exists.
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
from transformers import GPT2LMHeadModel

from peer_io import write_json_atomically


def load_model(directory):
    """GPT2LMHeadModel from `directory`; exits when a tensor is missing, unexpected or mismatched,
    or when the head is not tied to wte."""
    model, info = GPT2LMHeadModel.from_pretrained(directory, dtype=torch.float32, output_loading_info=True)
    problems = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
    if problems:
        sys.exit(f"peer_tinylm: {directory} did not load unchanged: {problems}")
    if model.lm_head.weight is not model.transformer.wte.weight:
        sys.exit("peer_tinylm: the output head is not tied to transformer.wte.weight")
    config = model.config
    dropouts = {k: getattr(config, k, 0.0) for k in ("resid_pdrop", "embd_pdrop", "attn_pdrop")}
    if any(p for p in dropouts.values()):
        print(f"[torch] note: the config has dropout {dropouts}; eval mode turns it off", flush=True)
    return model.eval()


def parameter_groups(model, fragments, weight_decay):
    """Two AdamW groups: decayed (name contains a fragment) and not. named_parameters() yields
    the tied wte/lm_head tensor once (as transformer.wte.weight)."""
    decayed, plain, decayed_names = [], [], []
    for name, p in model.named_parameters():
        if any(fragment in name for fragment in fragments):
            decayed.append(p)
            decayed_names.append(name)
        else:
            plain.append(p)
    layers = model.config.n_layer
    if len(decayed) != 2 + 4 * layers:
        sys.exit(f"peer_tinylm: expected {2 + 4 * layers} decayed tensors (wte, wpe, 4 per block), got {decayed_names}")
    if len({id(p) for p in decayed + plain}) != len(decayed) + len(plain):
        sys.exit("peer_tinylm: a parameter appears twice")
    return [{"params": decayed, "weight_decay": weight_decay}, {"params": plain, "weight_decay": 0.0}], decayed_names


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", default="bench/out", help="folder with tinylm_config.json, tinylm_init/, tinylm_*.npy")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch.set_num_threads (default: the Swift side's threads from tinylm_swift.json, "
                             "else every core)")
    args = parser.parse_args()
    if args.threads is None:
        try:
            with open(os.path.join(args.dir, "tinylm_swift.json")) as f:
                args.threads = int(json.load(f)["threads"])
        except (OSError, KeyError, ValueError):
            args.threads = os.cpu_count() or 1

    with open(os.path.join(args.dir, "tinylm_config.json")) as f:
        cfg = json.load(f)
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    model = load_model(os.path.join(args.dir, cfg["init"]))
    steps, batch, length = cfg["steps"], cfg["batch"], cfg["length"]
    tokens = torch.from_numpy(np.load(os.path.join(args.dir, cfg["tokens"])).astype(np.int64))
    targets = torch.from_numpy(np.load(os.path.join(args.dir, cfg["targets"])).astype(np.int64))
    assert tokens.shape == targets.shape == (steps, batch, length), (tokens.shape, targets.shape)
    assert len(cfg["learning_rates"]) >= steps
    vocab = model.config.vocab_size

    groups, decayed_names = parameter_groups(model, cfg["decayed"], cfg["weight_decay"])
    params = [p for g in groups for p in g["params"]]
    optimizer = torch.optim.AdamW(groups, lr=cfg["learning_rates"][0], betas=(cfg["beta1"], cfg["beta2"]),
                                  eps=cfg["eps"])
    print(f"[torch] {torch.__version__}, {torch.get_num_threads()} threads, GPT2LMHeadModel "
          f"({model.config._attn_implementation} attention), {sum(p.numel() for p in params)} parameters, "
          f"{len(decayed_names)} decayed tensors; batch {batch} × {length}, {steps} steps", flush=True)

    def loss_of(x, y):
        logits = model(input_ids=x).logits
        return F.cross_entropy(logits.view(-1, vocab), y.view(-1))

    train_seconds, forward_seconds, losses = [], [], []
    for step in range(steps):
        x, y = tokens[step], targets[step]
        t0 = time.perf_counter()
        with torch.no_grad():
            loss_of(x, y)
        forward = time.perf_counter() - t0

        t0 = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_of(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, cfg["clip_norm"])
        for group in optimizer.param_groups:
            group["lr"] = cfg["learning_rates"][step]
        optimizer.step()
        train = time.perf_counter() - t0

        losses.append(loss.item())
        if step >= cfg["timed_from_step"]:
            train_seconds.append(train)
            forward_seconds.append(forward)

    tokens_per_batch = batch * length
    result = {
        "train_tokens_per_s": tokens_per_batch / statistics.median(train_seconds),
        "forward_tokens_per_s": tokens_per_batch / statistics.median(forward_seconds),
        "train_ms_median": 1000 * statistics.median(train_seconds),
        "forward_ms_median": 1000 * statistics.median(forward_seconds),
        "losses": losses, "steps": steps, "batch": batch, "length": length, "cores": os.cpu_count(),
        "threads": torch.get_num_threads(), "torch_version": torch.__version__,
        "attention_implementation": getattr(model.config, "_attn_implementation", None),
    }
    write_json_atomically(os.path.join(args.dir, "tinylm_torch.json"), result)
    line = (f"TinyLM PyTorch: training {result['train_tokens_per_s']:.0f} tokens/s; forward only "
            f"{result['forward_tokens_per_s']:.0f} tokens/s; loss {losses[0]:.4f} → {losses[-1]:.4f}")
    swift_path = os.path.join(args.dir, "tinylm_swift.json")
    if os.path.exists(swift_path):
        with open(swift_path) as f:
            swift = json.load(f)["losses"]
        n = min(len(swift), len(losses))
        worst = max(range(n), key=lambda s: abs(losses[s] - swift[s]) / abs(swift[s]))
        line += (f"; max relative loss difference from Swift over {n} steps "
                 f"{abs(losses[worst] - swift[worst]) / abs(swift[worst]):.2e} (step {worst})")
    print(line, flush=True)


if __name__ == "__main__":
    main()
