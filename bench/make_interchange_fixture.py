#!/usr/bin/env python3
"""Writes the SAE interchange fixtures of Tests/SAEKitTests/InterchangeTests.swift.

Run from the repository root:  bench/.venv/bin/python bench/make_interchange_fixture.py

Tiny SAEs (d_in 8, 16 latents, k 3) in the folder layouts SAELens and EleutherAI
sparsify write, and their reconstructions of a small input computed with plain
torch code that follows each library's forward pass (cited per function). The
.safetensors files are written by hand (8-byte little-endian header length, JSON
header padded with spaces to a multiple of 8, raw little-endian data), because
the safetensors package is not installed; that also keeps the writer independent
of the Swift one under test.

Output (Tests/SAEKitTests/Fixtures/interchange/):
  input.npy                          (6, 8) float32
  saelens_topk/                      SAELens 6 TopK SAE (cfg.json + sae_weights.safetensors)
  saelens_topk_rescaled/             same architecture, rescale_acts_by_decoder_norm = true
  saelens_jumprelu/                  pre-6 cfg, JumpReLU, apply_b_dec_to_input = false, bfloat16 weights
  sparsify/layers.0/                 sparsify hookpoint folder (cfg.json + sae.safetensors)
  expected_<name>.npy                (6, 8) float32 reconstructions of input.npy
"""
import json
import os
import struct

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "SAEKitTests", "Fixtures", "interchange")
D_IN, D_SAE, K, ROWS = 8, 16, 3, 6
MARGIN = 1e-3  # every top-k cut and JumpReLU comparison is at least this far from a tie


def write_safetensors(path, tensors):
    """tensors: list of (name, tensor); F32 or BF16 by the tensor's dtype."""
    header, data = {}, b""
    for name, t in tensors:
        t = t.detach().contiguous()
        if t.dtype == torch.float32:
            raw, code = t.numpy().astype("<f4").tobytes(), "F32"
        elif t.dtype == torch.bfloat16:
            raw, code = t.view(torch.int16).numpy().astype("<i2").tobytes(), "BF16"
        else:
            raise ValueError(t.dtype)
        header[name] = {"dtype": code, "shape": list(t.shape), "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    header["__metadata__"] = {"format": "pt"}
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


def write_folder(name, cfg, weights_file, tensors):
    folder = os.path.join(OUT, name)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "cfg.json"), "w") as f:
        json.dump(cfg, f)  # as SAELens (save_model) and sparsify (save_to_disk) write it
    write_safetensors(os.path.join(folder, weights_file), tensors)


def topk_margin(pre):
    top = pre.sort(dim=-1, descending=True).values
    return (top[:, K - 1] - top[:, K]).min().item()


def saelens_topk_forward(x, W_enc, b_enc, W_dec, b_dec, rescale):
    """sae_lens/saes/topk_sae.py TopKSAE.encode / decode, sae.py process_sae_in."""
    sae_in = x - b_dec * True  # apply_b_dec_to_input
    hidden_pre = sae_in @ W_enc + b_enc
    if rescale:
        hidden_pre = hidden_pre * W_dec.norm(dim=-1)
    values, indices = torch.topk(hidden_pre, k=K, dim=-1, sorted=False)
    acts = torch.zeros_like(hidden_pre).scatter_(-1, indices, values.relu())
    if rescale:
        acts = acts * (1 / W_dec.norm(dim=-1))
    return acts @ W_dec + b_dec, hidden_pre


def saelens_jumprelu_forward(x, W_enc, b_enc, W_dec, b_dec, threshold):
    """sae_lens/saes/jumprelu_sae.py JumpReLUSAE.encode / decode, apply_b_dec_to_input = False."""
    sae_in = x - b_dec * False
    hidden_pre = sae_in @ W_enc + b_enc
    acts = F.relu(hidden_pre) * (hidden_pre > threshold).to(hidden_pre.dtype)
    return acts @ W_dec + b_dec, hidden_pre


def sparsify_forward(x, enc_weight, enc_bias, W_dec, b_dec):
    """sparsify/sparse_coder.py SparseCoder.encode / decode, fused_encoder.py, utils.py eager_decode."""
    preacts = F.relu(F.linear(x - b_dec, enc_weight, enc_bias))
    top_acts, top_indices = torch.topk(preacts, K, dim=-1, sorted=False)
    W = W_dec.mT  # decode() calls decoder_impl(top_indices, top_acts, self.W_dec.mT)
    buf = top_acts.new_zeros(top_acts.shape[:-1] + (W.shape[-1],))
    y = buf.scatter_(dim=-1, index=top_indices, src=top_acts) @ W.mT
    return y + b_dec, preacts


def main():
    os.makedirs(OUT, exist_ok=True)
    g = torch.Generator().manual_seed(20240604)
    x = torch.randn(ROWS, D_IN, generator=g)
    np.save(os.path.join(OUT, "input.npy"), x.numpy().astype(np.float32))

    def params(unit_rows):
        W_dec = torch.randn(D_SAE, D_IN, generator=g)
        W_dec = W_dec / W_dec.norm(dim=-1, keepdim=True) if unit_rows else W_dec * 0.7
        W_enc = W_dec.T.clone() + 0.3 * torch.randn(D_IN, D_SAE, generator=g)
        return W_enc, 0.2 * torch.randn(D_SAE, generator=g), W_dec, 0.5 * torch.randn(D_IN, generator=g)

    # 1. SAELens 6 TopK.
    for name, rescale in (("saelens_topk", False), ("saelens_topk_rescaled", True)):
        while True:
            W_enc, b_enc, W_dec, b_dec = params(unit_rows=not rescale)
            out, pre = saelens_topk_forward(x, W_enc, b_enc, W_dec, b_dec, rescale)
            if topk_margin(pre) > MARGIN:
                break
        cfg = {"d_in": D_IN, "d_sae": D_SAE, "dtype": "float32", "device": "cpu",
               "apply_b_dec_to_input": True, "normalize_activations": "none", "reshape_activations": "none",
               "metadata": {"sae_lens_version": "6.5.0", "sae_lens_training_version": "6.5.0",
                            "model_name": "tiny", "hook_name": "blocks.0.hook_resid_post", "hook_layer": 0},
               "architecture": "topk", "k": K, "rescale_acts_by_decoder_norm": rescale}
        write_folder(name, cfg, "sae_weights.safetensors",
                     [("W_dec", W_dec), ("W_enc", W_enc), ("b_dec", b_dec), ("b_enc", b_enc)])
        np.save(os.path.join(OUT, f"expected_{name}.npy"), out.numpy().astype(np.float32))

    # 2. SAELens pre-6 JumpReLU (Gemma Scope style: no b_dec subtraction), bfloat16 on disk.
    while True:
        W_enc, b_enc, W_dec, b_dec = (t.to(torch.bfloat16) for t in params(unit_rows=True))
        threshold = (0.05 + 0.4 * torch.rand(D_SAE, generator=g)).to(torch.bfloat16)
        # read_sae_components_from_disk: f.get_tensor(k).to(dtype=DTYPE_MAP[cfg["dtype"]])
        f32 = [t.to(torch.float32) for t in (W_enc, b_enc, W_dec, b_dec, threshold)]
        out, pre = saelens_jumprelu_forward(x, *f32)
        if (pre - f32[4]).abs().min().item() > MARGIN and (pre > f32[4]).sum() >= ROWS:
            break
    cfg = {"architecture": "jumprelu", "d_in": D_IN, "d_sae": D_SAE, "dtype": "float32",
           "model_name": "tiny", "hook_point": "blocks.0.hook_resid_post", "hook_point_layer": 0,
           "hook_point_head_index": None, "activation_fn_str": "relu", "finetuning_scaling_factor": False,
           "sae_lens_training_version": None, "prepend_bos": True, "context_size": 1024,
           "apply_b_dec_to_input": False, "normalize_activations": None}
    write_folder("saelens_jumprelu", cfg, "sae_weights.safetensors",
                 [("W_enc", W_enc), ("W_dec", W_dec), ("b_enc", b_enc), ("b_dec", b_dec), ("threshold", threshold)])
    np.save(os.path.join(OUT, "expected_saelens_jumprelu.npy"), out.numpy().astype(np.float32))

    # 3. sparsify hookpoint folder (nn.Linear layout: encoder.weight is [num_latents, d_in]).
    while True:
        W_enc, b_enc, W_dec, b_dec = params(unit_rows=True)
        enc_weight = W_enc.T.contiguous()
        out, pre = sparsify_forward(x, enc_weight, b_enc, W_dec, b_dec)
        if topk_margin(pre) > MARGIN:
            break
    # SparseCoderConfig.to_dict() field order, then d_in (sparse_coder.py save_to_disk).
    cfg = {"activation": "topk", "expansion_factor": 2, "normalize_decoder": True, "num_latents": D_SAE,
           "k": K, "multi_topk": False, "skip_connection": False, "transcode": False, "d_in": D_IN}
    write_folder(os.path.join("sparsify", "layers.0"), cfg, "sae.safetensors",
                 [("encoder.weight", enc_weight), ("encoder.bias", b_enc), ("W_dec", W_dec), ("b_dec", b_dec)])
    np.save(os.path.join(OUT, "expected_sparsify.npy"), out.numpy().astype(np.float32))


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    main()
