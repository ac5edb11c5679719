# SAE Notebook — build, test and benchmark entry points.
#
#   make test    install missing system packages, build, run the unit tests
#   make bench   release build, training benchmark (Swift vs. sgemm bound, vs. PyTorch when bench/.venv exists)
#   make bench-peer  create bench/.venv with CPU PyTorch from PyPI (for the peer benchmark)

SHELL := /bin/bash
SWIFT ?= swift
APT_PACKAGES := libopenblas-dev liblapacke-dev gnuplot-nox
# OpenBLAS mis-detects some virtual CPUs; pin a core type that every x86-64 host we run on supports.
export OPENBLAS_CORETYPE ?= Haswell

.PHONY: all deps build test bench bench-peer clean

all: build

# Install the Debian packages that are missing (we run as root on CI and dev machines).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "==> installing system packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  $$SUDO apt-get install -y $$missing || { $$SUDO apt-get update && $$SUDO apt-get install -y $$missing; }; \
	fi

build: deps
	$(SWIFT) build

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel --num-workers 2

bench: deps
	$(SWIFT) build -c release --product saekit-bench
	mkdir -p bench/out
	.build/release/saekit-bench --out bench/out
	@if [ -x bench/.venv/bin/python ]; then \
	  bench/.venv/bin/python bench/peer_topk.py --dir bench/out && \
	  .build/release/saekit-bench --compare bench/out; \
	else echo "(PyTorch peer skipped: run 'make bench-peer' once to create bench/.venv)"; fi

bench-peer:
	python3 -m venv bench/.venv
	bench/.venv/bin/pip install --quiet --upgrade pip
	bench/.venv/bin/pip install --quiet --index-url https://download.pytorch.org/whl/cpu torch numpy || \
	  bench/.venv/bin/pip install --quiet torch numpy

clean:
	rm -rf .build bench/out
