#!/usr/bin/env bash
# Sets everything up, then runs the benchmark (a few minutes) and prints its table.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1
exec .venv/bin/python -m bench.run "$@"
