#!/usr/bin/env bash
# Sets everything up (Chromium and espeak-ng included), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1
exec .venv/bin/python -m pytest -q "$@"
