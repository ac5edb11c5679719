#!/usr/bin/env python3
"""Writes the SAELens edge-case fixtures of Tests/SAEKitTests/SAELensEdgeCaseTests.swift with
SAELens's own code (sae-lens 6.54.0): its `save_model`, `ActivationScaler.save`, `load_from_disk`
and forward passes produce every file and every expected reconstruction.

sae-lens is not part of bench/requirements.txt (it pulls transformer-lens, datasets, wandb, …);
for this script, unpack the wheels without their dependencies, e.g.

    bench/.venv/bin/pip download --no-deps sae-lens==6.54.0 -d /tmp/dl && unzip -q /tmp/dl/*.whl -d /tmp/saelens
    bench/.venv/bin/pip install --no-deps --target /tmp/sldeps einops "transformer-lens<4" jaxtyping \
        datasets multiprocess pandas python-dateutil pyarrow dill xxhash better_abc requests urllib3 \
        certifi simple_parsing docstring_parser platformdirs
    PYTHONPATH=/tmp/saelens:/tmp/sldeps bench/.venv/bin/python bench/make_saelens_edge_fixtures.py

(wandb is only imported for training logs; this script stubs it.)

Output (Tests/SAEKitTests/Fixtures/interchange/), all from input.npy (6, 8) float32:
  saelens6_relu_with_old_topk_key/   SAELens 6 standard SAE whose cfg.json still says
                                     activation_fn "topk" (+ activation_fn_kwargs.k): SAELens 6
                                     ignores both and computes ReLU
  saelens5_topk_by_activation_fn/    a pre-6 cfg.json (no version) with activation_fn_str "topk"
                                     and activation_fn_kwargs.k = 3: SAELens reads it as TopK
  saelens_checkpoint_scaled/         TopK training checkpoint with normalize_activations
                                     "expected_average_only_in" and activation_scaler.json
  saelens_checkpoint_whitened/       ReLU checkpoint with "covariance_whitening",
                                     apply_b_dec_to_input = false, activation_scaler.json and
                                     activation_whitening.safetensors
  expected_<name>.npy                reconstructions in input units: sae(x) for the first two,
                                     scaler.unscale(sae(scaler.scale(x))) for the checkpoints
"""
import json
import os
import sys
import types

import numpy as np
import torch


class _Stub(types.ModuleType):
    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        module = _Stub(f"{self.__name__}.{name}")
        sys.modules[module.__name__] = module
        return module

    def __call__(self, *args, **kwargs):
        return None


for _name in ("wandb", "wandb.sdk", "wandb.sdk.wandb_settings"):
    sys.modules[_name] = _Stub(_name)

import sae_lens  # noqa: E402
from sae_lens import SAE, StandardSAE, StandardSAEConfig, TopKSAE, TopKSAEConfig  # noqa: E402
from sae_lens.training.activation_scaler import ActivationScaler, ActivationWhitening  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "SAEKitTests", "Fixtures", "interchange")
D_IN, D_SAE, K = 8, 16, 3


def randomise(sae, seed):
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in sae.named_parameters():
            p.copy_(torch.randn(p.shape, generator=g) * (0.5 if name.startswith("b_") else 1.0))


def patch_cfg(folder, change):
    path = os.path.join(folder, "cfg.json")
    with open(path) as f:
        cfg = json.load(f)
    change(cfg)
    with open(path, "w") as f:
        json.dump(cfg, f)


def main():
    assert sae_lens.__version__ == "6.54.0", sae_lens.__version__
    x = torch.from_numpy(np.load(os.path.join(OUT, "input.npy")))

    # 1. SAELens 6 ignores a leftover activation_fn.
    name = "saelens6_relu_with_old_topk_key"
    folder = os.path.join(OUT, name)
    sae = StandardSAE(StandardSAEConfig(d_in=D_IN, d_sae=D_SAE))
    randomise(sae, 1)
    sae.save_model(folder)
    patch_cfg(folder, lambda c: c.update(activation_fn="topk", activation_fn_kwargs={"k": K}))
    loaded = SAE.load_from_disk(folder)
    assert isinstance(loaded, StandardSAE), type(loaded)
    np.save(os.path.join(OUT, f"expected_{name}.npy"), loaded(x).detach().numpy().astype(np.float32))

    # 2. A pre-6 file: activation_fn_str "topk" with its k makes a TopK SAE.
    name = "saelens5_topk_by_activation_fn"
    folder = os.path.join(OUT, name)
    sae = StandardSAE(StandardSAEConfig(d_in=D_IN, d_sae=D_SAE))
    randomise(sae, 2)
    sae.save_model(folder)

    def to_pre6(c):
        c.pop("metadata", None)
        c.pop("architecture", None)
        c.pop("sae_lens_version", None)
        c.update(activation_fn_str="topk", activation_fn_kwargs={"k": K}, hook_point="blocks.0.hook_resid_post")

    patch_cfg(folder, to_pre6)
    loaded = SAE.load_from_disk(folder)
    assert isinstance(loaded, TopKSAE), type(loaded)
    np.save(os.path.join(OUT, f"expected_{name}.npy"), loaded(x).detach().numpy().astype(np.float32))

    # 3. A TopK checkpoint trained on scaled inputs, its factor in activation_scaler.json.
    name = "saelens_checkpoint_scaled"
    folder = os.path.join(OUT, name)
    sae = TopKSAE(TopKSAEConfig(d_in=D_IN, d_sae=D_SAE, k=K, normalize_activations="expected_average_only_in"))
    randomise(sae, 3)
    sae.save_model(folder)
    scaler = ActivationScaler(scaling_factor=2.5)
    scaler.save(os.path.join(folder, "activation_scaler.json"))
    loaded = SAE.load_from_disk(folder)
    np.save(os.path.join(OUT, f"expected_{name}.npy"), scaler.unscale(loaded(scaler.scale(x))).detach().numpy().astype(np.float32))

    # 4. A ReLU checkpoint trained on whitened inputs (no b_dec on the input side).
    name = "saelens_checkpoint_whitened"
    folder = os.path.join(OUT, name)
    sae = StandardSAE(StandardSAEConfig(d_in=D_IN, d_sae=D_SAE, apply_b_dec_to_input=False,
                                        normalize_activations="covariance_whitening"))
    randomise(sae, 4)
    sae.save_model(folder)
    g = torch.Generator().manual_seed(5)
    mean = torch.randn(D_IN, generator=g, dtype=torch.float64) * 0.3
    q, _ = torch.linalg.qr(torch.randn(D_IN, D_IN, generator=g, dtype=torch.float64))
    scales = torch.linspace(0.5, 2.0, D_IN, dtype=torch.float64)
    matrix = q * scales  # E·diag(s)
    whitening = ActivationWhitening(mean=mean, matrix=matrix, inverse_matrix=torch.linalg.inv(matrix))
    scaler = ActivationScaler(whitening=whitening)
    scaler.save(os.path.join(folder, "activation_scaler.json"))
    loaded = SAE.load_from_disk(folder)
    expected = scaler.unscale(loaded(scaler.scale(x)).double()).float()
    folded = SAE.load_from_disk(folder)
    folded.fold_activation_whitening(mean=mean, whitening_matrix=matrix, unwhitening_matrix=whitening.inverse_matrix)
    assert torch.allclose(folded(x), expected, atol=1e-4), (folded(x) - expected).abs().max()
    np.save(os.path.join(OUT, f"expected_{name}.npy"), expected.detach().numpy().astype(np.float32))
    print("wrote", OUT)


if __name__ == "__main__":
    main()
