#!/usr/bin/env python3
"""Regenerates the .npy / .safetensors fixtures of NPYTests and SafeTensorsTests.

Run from this folder: python3 make_fixtures.py  (needs numpy; safetensors is
written by hand with struct + json, as an independent writer).
"""
import json
import struct

import numpy as np

# .npy files written by NumPy itself.
np.save("numpy_f32_3x4.npy", (np.arange(12).reshape(3, 4) / 4).astype(np.float32))
np.save("numpy_f16.npy", np.array(
    [[0.0, 1.0, -2.5, 65504.0], [2.0**-24, np.inf, -np.inf, np.nan]], dtype=np.float16))
np.save("numpy_f64.npy", np.array([0.1, -2.0, 1e300]))  # 1e300 overflows Float32 -> inf
np.save("numpy_i32.npy", np.array([1, -2, 2147483647], dtype=np.int32))
np.save("numpy_i64.npy", np.array([[1, -2, 3], [2**40, 0, -7]], dtype=np.int64))
np.save("numpy_be_f4.npy", np.array([[1.5, -2.0], [3.25, 1e-3]], dtype=">f4"))
np.save("numpy_scalar.npy", np.float32(7.5))
np.save("numpy_fortran.npy", np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))

# A .safetensors file "written elsewhere": F16 first, so the F32 data is not 4-byte aligned.
tensors = [
    ("b_dec", "F16", [3], np.array([1.0, -0.5, 65504.0], dtype="<f2").tobytes()),
    ("W_dec", "F32", [2, 3], (np.arange(6, dtype="<f4") * 0.5).tobytes()),
    ("steps", "I64", [2], np.array([7, -(2**40)], dtype="<i8").tobytes()),
    # bfloat16 = top half of float32: 1.5 and -3.0 are exact.
    ("scale", "BF16", [2], b"".join(struct.pack("<H", struct.unpack("<I", struct.pack("<f", x))[0] >> 16)
                                    for x in (1.5, -3.0))),
]
header = {"__metadata__": {"format": "pt", "sae_lens_version": "6.0.0"}}
data = b""
for name, dtype, shape, raw in tensors:
    header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
    data += raw
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
with open("elsewhere.safetensors", "wb") as f:
    f.write(struct.pack("<Q", len(text)) + text + data)

# .npz archives written by NumPy itself (np.savez stores its members uncompressed, with zip64
# headers), a compressed one (np.savez_compressed: DEFLATE members), and a folder of .npy shards.
np.savez("numpy_one.npz", acts=(np.arange(6) / 2).astype(np.float32).reshape(3, 2))
np.savez("numpy_two.npz", x=np.arange(4, dtype=np.float64).reshape(2, 2), y=np.array([[1.5, 2.5, 3.5]], dtype=np.float16))
np.savez_compressed("numpy_compressed.npz", x=(np.arange(12) / 4).astype(np.float32).reshape(3, 4),
                    y=np.arange(300, dtype=np.float64).reshape(100, 3))
import os
os.makedirs("numpy_shards", exist_ok=True)
for i, rows in enumerate([2, 1, 3]):  # shard_10 sorts after shard_2 by number, not by text
    np.save(f"numpy_shards/shard_{[1, 2, 10][i]}.npy", np.full((rows, 2), [1, 2, 10][i], dtype=np.float32))
