"""Shared by the PyTorch peers (bench/peer_*.py): their one way of writing result files."""
import json
import os


def write_json_atomically(path, payload):
    """Writes `payload` as indented, key-sorted JSON to `path` via a temporary file and os.replace,
    so `saekit-bench --compare` never reads a half-written file."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(payload, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)
