#!/usr/bin/env bash
# Prepares this checkout on a fresh Debian/Ubuntu machine: system packages
# (ffmpeg; with "dev" also Chromium and espeak-ng for the tests), then a .venv
# with the pinned requirements. Safe to run again: it skips what is there.
#   scripts/setup.sh        # to run the app
#   scripts/setup.sh dev    # to run the tests
set -euo pipefail
cd "$(dirname "$0")/.."

python3 - <<'PY' || { echo "Kling Avatar Studio needs Python 3.10 or newer." >&2; exit 1; }
import sys
sys.exit(sys.version_info < (3, 10))
PY

packages=()
command -v ffmpeg >/dev/null || packages+=(ffmpeg)
python3 -c "import ensurepip, venv" 2>/dev/null || packages+=(python3-venv)
if [[ "${1:-}" == dev ]]; then
  command -v espeak-ng >/dev/null || packages+=(espeak-ng)
  command -v chromium >/dev/null || [[ -x /usr/bin/chromium ]] || packages+=(chromium)
fi

if ((${#packages[@]})); then
  if [[ $(id -u) == 0 ]]; then sudo=(); elif command -v sudo >/dev/null; then sudo=(sudo); else sudo=(false); fi
  if command -v apt-get >/dev/null && "${sudo[@]}" true 2>/dev/null; then
    echo "Installing system packages: ${packages[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${packages[@]}" >/dev/null
  else
    echo "Please install these system packages yourself: ${packages[*]}" >&2
  fi
fi

# The accessibility test injects axe-core (npm, MPL-2.0) into the page; it lives in git-ignored tests/node_modules.
if [[ "${1:-}" == dev && ! -f tests/node_modules/axe-core/axe.min.js ]]; then
  if command -v npm >/dev/null; then
    npm install --silent --no-save --no-package-lock --no-audit --no-fund --prefix tests axe-core@4.14 >/dev/null
  else
    echo "Please install npm (the accessibility test needs axe-core from it)." >&2
  fi
fi

[[ -x .venv/bin/python ]] || python3 -m venv .venv
requirements=requirements.txt
[[ "${1:-}" == dev ]] && requirements=requirements-dev.txt
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
