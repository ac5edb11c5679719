#!/usr/bin/env python3
"""Writes the PyTorch reference fixture of the TinyLM tests: Tests/SAEKitTests/Fixtures/tinylm/.

A tiny GPT-2 over bytes (vocab 257 = 256 bytes + end-of-text 256, context 8, width 16, 2 layers
of 2 heads) built by Hugging Face transformers, run in float32 on one batch:

  model/               GPT2LMHeadModel.save_pretrained(..., safe_serialization=True):
                       config.json + model.safetensors, exactly as transformers writes them
  batch.safetensors    tokens   I64 [2, 8]       inputs (random bytes and the end-of-text token)
                       targets  I64 [2, 8]       next tokens; one is -100 (ignored by the loss)
                       logits   F32 [2, 8, 257]  model(tokens).logits
                       loss     F32 [1]          mean cross-entropy over the non-ignored targets
                       grad.<name>  F32          d loss / d parameter for every tensor of the
                                                 state dict, Hugging Face names and orientation
                                                 (Conv1D weights are [in, out]; the tied head's
                                                 gradient is part of grad.transformer.wte.weight)

The weights are not GPT-2's initialisation: matrices are drawn with std 0.3 (so attention is far
from uniform and logits far from flat, and a wrong mapping of q, k, v or a missing transpose shows
in the logits), LayerNorm gains are 1 + N(0, 0.1²) and every bias N(0, 0.1²).

Run from the package root with the bench venv (see the bench-peer target of the Makefile):
    bench/.venv/bin/python bench/tinylm/make_fixture.py
The output depends only on torch.manual_seed(0) and the torch version (verified: 2.13.0+cpu,
transformers 5.23.0, safetensors 0.8.0).
"""
import os
import sys

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "Tests", "SAEKitTests", "Fixtures", "tinylm")

BATCH, LENGTH, END_OF_TEXT, IGNORE = 2, 8, 256, -100


def build_model() -> GPT2LMHeadModel:
    torch.manual_seed(0)
    config = GPT2Config(
        vocab_size=257, n_positions=8, n_embd=16, n_layer=2, n_head=2, activation_function="gelu_new",
        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, bos_token_id=END_OF_TEXT, eos_token_id=END_OF_TEXT)
    model = GPT2LMHeadModel(config).float().eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 2:  # wte, wpe and the Conv1D weights
                p.normal_(0.0, 0.3)
            elif name.endswith("weight"):  # LayerNorm gains
                p.copy_(1.0 + 0.1 * torch.randn_like(p))
            else:  # LayerNorm and Conv1D biases
                p.copy_(0.1 * torch.randn_like(p))
    return model


def make_batch():
    """Random bytes, with end-of-text tokens inside; targets are the next tokens, one ignored."""
    sequence = torch.randint(0, 256, (BATCH, LENGTH + 1), dtype=torch.int64)
    sequence[0, 3] = END_OF_TEXT
    sequence[1, 0] = END_OF_TEXT
    sequence[1, 8] = END_OF_TEXT  # a target only
    tokens = sequence[:, :LENGTH].contiguous()
    targets = sequence[:, 1:].contiguous()
    targets[1, 5] = IGNORE
    return tokens, targets


def main() -> int:
    model = build_model()
    tokens, targets = make_batch()

    model.zero_grad()
    logits = model(input_ids=tokens).logits  # [B, T, V]
    loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE)
    loss.backward()

    os.makedirs(OUT, exist_ok=True)
    model.save_pretrained(os.path.join(OUT, "model"), safe_serialization=True)

    tensors = {
        "tokens": tokens,
        "targets": targets,
        "logits": logits.detach().contiguous(),
        "loss": loss.detach().reshape(1),
    }
    for name, p in model.named_parameters():  # the tied lm_head is not listed separately
        tensors["grad." + name] = p.grad.detach().contiguous()
    save_file(tensors, os.path.join(OUT, "batch.safetensors"), metadata={"format": "pt"})

    print(f"loss {loss.item():.9g}, logits std {logits.std().item():.4g}, "
          f"{len(tensors) - 4} gradients -> {os.path.relpath(OUT, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
