#!/usr/bin/env python3
"""PyTorch CPU peer of SAEKit's MiniLM forward benchmark, for `make bench`.

Reads `<dir>/minilm_config.json` and `<dir>/minilm_ids.npy` (int64, batches·B × 128) written by
`saekit-bench --minilm <dir>`, builds `transformers.BertModel` from the model folder's
`config.json`, loads `model.safetensors` into it (no network, no hub cache), and runs the same
id batches in the same order (attention mask all ones, token types 0) with
`torch.set_num_threads(threads)`, eval mode, `torch.inference_mode()`.

Timing as on the Swift side: each batch runs once, the first `warmup_batches` are not timed,
tokens/s = B · 128 / median(batch seconds); a batch is the forward pass plus mean pooling.
Check: max |pooled_torch − pooled_swift| over batch 0's mean-pooled last layer
(`<dir>/minilm_swift_pooled.npy`). Writes `<dir>/minilm_torch.json` atomically.
"""
import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from safetensors.torch import load_file
from transformers import BertConfig, BertModel

from peer_io import write_json_atomically


def load_model(directory):
    """BertModel from `config.json` with the weights of `model.safetensors` (every key must match)."""
    config = BertConfig.from_json_file(os.path.join(directory, "config.json"))
    model = BertModel(config, add_pooling_layer=False)
    state = load_file(os.path.join(directory, "model.safetensors"))
    # sentence-transformers' file may name tensors with or without the "bert."/"0.auto_model." prefix.
    state = {k.split("auto_model.", 1)[-1].removeprefix("bert."): v for k, v in state.items()}
    state = {k: v for k, v in state.items() if not k.startswith("pooler.") and not k.endswith("position_ids")}
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("position_ids")]  # a buffer, not a weight
    if missing or unexpected:
        sys.exit(f"error: weights do not match BertModel: missing {missing}, unexpected {unexpected}")
    return model.eval()


def mean_pooled(model, ids):
    """Mean over the sequence of the last hidden state (all tokens, mask all ones)."""
    mask = torch.ones_like(ids)
    hidden = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
    return hidden.mean(dim=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", default="bench/out", help="folder with minilm_config.json and minilm_ids.npy")
    parser.add_argument("--model", help="model folder (default: model_directory from minilm_config.json)")
    parser.add_argument("--round", type=int, help="also write minilm_torch_round<N>.json (see saekit-bench --round)")
    args = parser.parse_args()
    with open(os.path.join(args.dir, "minilm_config.json")) as f:
        cfg = json.load(f)
    torch.set_num_threads(cfg["threads"])
    model = load_model(args.model or cfg["model_directory"])
    ids = torch.from_numpy(np.load(os.path.join(args.dir, cfg["ids"])).astype(np.int64))
    size, length = cfg["batch_size"], cfg["sequence_length"]
    assert ids.shape == (cfg["batches"] * size, length), ids.shape

    seconds, first = [], None
    with torch.inference_mode():
        for b in range(cfg["batches"]):
            batch = ids[b * size:(b + 1) * size]
            t0 = time.perf_counter()
            pooled = mean_pooled(model, batch)
            t1 = time.perf_counter()
            if b == 0:
                first = pooled.numpy()
            if b >= cfg["warmup_batches"]:
                seconds.append(t1 - t0)
    swift = np.load(os.path.join(args.dir, cfg["swift_pooled"]))
    difference = float(np.abs(first - swift).max())
    batch_median = statistics.median(seconds)
    result = {
        "tokens_per_s": size * length / batch_median, "batch_ms_median": batch_median * 1000,
        "batch_ms": [s * 1000 for s in seconds], "threads": torch.get_num_threads(),
        "pooled_max_abs_diff": difference, "torch_version": torch.__version__,
        "attention_implementation": getattr(model.config, "_attn_implementation", None),
    }
    names = ["minilm_torch.json"] + ([f"minilm_torch_round{args.round}.json"] if args.round is not None else [])
    for name in names:
        write_json_atomically(os.path.join(args.dir, name), result)
    print(f"MiniLM PyTorch: {result['tokens_per_s']:.0f} tokens/s (median batch {batch_median * 1000:.1f} ms "
          f"over {len(seconds)} batches of {size} × {length} tokens), max |pooled − Swift| {difference:.2e}")


if __name__ == "__main__":
    main()
