#!/usr/bin/env python3
"""Loads a TinyLM folder (saved by SAEKit's TinyLMFiles, or any GPT-2 folder) with Hugging Face
transformers and prints its logits for a fixed batch.

    bench/.venv/bin/python bench/tinylm/check_transformers.py DIR [--out logits.safetensors]

It fails (exit 1) when from_pretrained reports missing, unexpected or mismatched tensors, so a
clean run shows that transformers reads the folder unchanged. The batch is two byte sequences,
each starting with the end-of-text token (vocab_size - 1), cut to the model's context:

    tokens[0] = [EOT] + bytes("The quick brown fox jumps over the lazy dog.")
    tokens[1] = [EOT] + bytes("Hello, world!\\n") + [EOT] + bytes("Bytes: \\x00\\xff")

--out writes tokens (I64 [2, T]) and logits (F32 [2, T, V]) for comparison with another
implementation (e.g. the bench of the Swift model).
"""
import argparse
import sys

import torch
from safetensors.torch import save_file
from transformers import GPT2LMHeadModel


def fixed_batch(end_of_text: int, context: int) -> torch.Tensor:
    texts = [
        [end_of_text] + list(b"The quick brown fox jumps over the lazy dog."),
        [end_of_text] + list(b"Hello, world!\n") + [end_of_text] + list(b"Bytes: \x00\xff"),
    ]
    length = min(context, min(len(t) for t in texts))
    return torch.tensor([t[:length] for t in texts], dtype=torch.int64)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", help="folder with config.json and model.safetensors")
    parser.add_argument("--out", help="write tokens and logits to this .safetensors file")
    args = parser.parse_args()

    model, info = GPT2LMHeadModel.from_pretrained(args.directory, output_loading_info=True)
    problems = {k: v for k, v in info.items() if v and k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
    if problems:
        print(f"{args.directory}: transformers did not load the folder unchanged: {problems}", file=sys.stderr)
        return 1
    model = model.float().eval()
    config = model.config
    if model.lm_head.weight.data_ptr() != model.transformer.wte.weight.data_ptr():
        print(f"{args.directory}: the output head is not tied to wte", file=sys.stderr)
        return 1

    tokens = fixed_batch(config.vocab_size - 1, config.n_positions)
    with torch.no_grad():
        logits = model(input_ids=tokens).logits.float()

    print(f"{args.directory}: vocab {config.vocab_size}, context {config.n_positions}, width {config.n_embd}, "
          f"{config.n_layer} layers of {config.n_head} heads, {sum(p.numel() for p in model.parameters())} parameters")
    print(f"tokens {list(tokens.shape)}, logits {list(logits.shape)}, "
          f"mean {logits.mean().item():.6g}, std {logits.std().item():.6g}")
    torch.set_printoptions(precision=6, linewidth=120)
    for b in range(tokens.shape[0]):
        print(f"sequence {b}: logits[{b}, :3, :5] =\n{logits[b, :3, :5]}")
        print(f"sequence {b}: argmax per position = {logits[b].argmax(-1).tolist()}")
    if args.out:
        save_file({"tokens": tokens, "logits": logits.contiguous()}, args.out, metadata={"format": "pt"})
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
