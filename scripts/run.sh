#!/usr/bin/env bash
# Sets everything up, then serves the app (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT choose the address).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/python app.py
