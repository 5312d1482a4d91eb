"""The tests' fake fal in its own process, so its CPU never counts as the app's.

Prints its base URL on the first line of stdout, then serves until killed.
Env: FAKE_QUEUE_SECONDS, FAKE_RUN_SECONDS, FAKE_FIXED_VIDEO, FAKE_KEYS (comma-separated).
"""

import os
import sys
import time
from pathlib import Path

from tests.fakes import FakeFal, FakeFalServer


def main() -> None:
    fake = FakeFal(
        valid_keys=set(os.environ.get("FAKE_KEYS", "bench-key").split(",")),
        queue_seconds=float(os.environ.get("FAKE_QUEUE_SECONDS", "1")),
        run_seconds=float(os.environ.get("FAKE_RUN_SECONDS", "4")),
        fixed_video=Path(os.environ["FAKE_FIXED_VIDEO"]) if os.environ.get("FAKE_FIXED_VIDEO") else None,
    )
    with FakeFalServer(fake) as running:
        print(running.base_url, flush=True)
        while sys.stdin.read(1):
            time.sleep(0.1)


if __name__ == "__main__":
    main()
