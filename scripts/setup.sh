#!/usr/bin/env bash
# Create .venv with scugrn and its test dependencies. Installs PyTorch's CPU wheel first:
# an unpinned `torch` with no torch installed pulls several GB of CUDA packages.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[test]"
# upstream scGPT's model code, used only by the parity test (never imported by scugrn)
mkdir -p .cache/wheels
ls .cache/wheels/scgpt-0.2.4-*.whl >/dev/null 2>&1 || \
  .venv/bin/python -m pip download -q --no-deps "scgpt==0.2.4" -d .cache/wheels || \
  echo "setup: could not download the scgpt wheel; the upstream-parity test will be skipped" >&2
