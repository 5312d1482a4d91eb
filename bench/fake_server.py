"""The tests' fake fal in its own process, so its CPU never counts as the app's.

Prints its base URL on the first line of stdout, then serves until killed.
Env: FAKE_QUEUE_SECONDS, FAKE_RUN_SECONDS, FAKE_FIXED_VIDEO, FAKE_KEYS (comma-separated), and the
network between the app and fal (tests/fakes/network.py; all off by default): FAKE_RTT_MS (round trip),
FAKE_UPLINK_MBIT (the app's upload bandwidth, shared by its requests), FAKE_HANDSHAKE_RTTS (round trips
a new connection costs: 2 for TCP + TLS 1.3).
"""

import os
import sys
import time
from pathlib import Path

from tests.fakes import FakeFal, FakeFalServer
from tests.fakes.network import Network


def network(fake: FakeFal) -> Network | None:
    rtt_ms, mbit = float(os.environ.get("FAKE_RTT_MS", "0")), float(os.environ.get("FAKE_UPLINK_MBIT", "0"))
    if not rtt_ms and not mbit:
        return None
    return Network(
        fake.app,
        rtt_seconds=rtt_ms / 1000,
        uplink_bytes_per_second=mbit * 1e6 / 8 if mbit else None,
        handshake_rtts=int(os.environ.get("FAKE_HANDSHAKE_RTTS", "0")),
    )


def main() -> None:
    fake = FakeFal(
        valid_keys=set(os.environ.get("FAKE_KEYS", "bench-key").split(",")),
        queue_seconds=float(os.environ.get("FAKE_QUEUE_SECONDS", "1")),
        run_seconds=float(os.environ.get("FAKE_RUN_SECONDS", "4")),
        fixed_video=Path(os.environ["FAKE_FIXED_VIDEO"]) if os.environ.get("FAKE_FIXED_VIDEO") else None,
    )
    # On a network, idle connections are the client's to close (httpx: after 5 s), not uvicorn's 5 s default.
    wire = network(fake)
    with FakeFalServer(fake, app=wire, keep_alive_seconds=120 if wire else 5) as running:
        print(running.base_url, flush=True)
        while sys.stdin.read(1):
            time.sleep(0.1)


if __name__ == "__main__":
    main()
