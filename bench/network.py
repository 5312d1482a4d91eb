"""Generate → accepted at fal over a modelled network, beside the physical floor; the photo's bytes sent.

The fake fal runs behind tests/fakes/network.py: RTT_MS round trips, an UPLINK_MBIT uplink shared by
the app's requests, HANDSHAKE_RTTS round trips per new connection (TCP + TLS 1.3). Visitors come one
after another, each when the last one's video is back (the fake's usual 5 s job), each in a new
session, with the photo and the voice already uploaded to the app (a browser uploads as soon as a
file is chosen), so the clock runs from the Generate call to fal's answer to the submit reaching the
app: the fake records when the submit arrived, and its answer takes half a round trip back.

The floor is what no client could beat for the same bytes: the bytes sent to fal over the uplink,
plus the fewest round trips fal's protocol allows (shared/NOTES.md): an upload token (only when none
is held: fal's lasts an hour, so not for a warm app), one CDN upload per file (both in parallel),
the submit. Connections already open cost nothing in the floor.
"""

from __future__ import annotations

import io
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
from PIL import Image, ImageOps

from bench.gradio_http import arguments, call, upload
from bench.processes import fake_fal, served

PRO, KEY = "fal-ai/kling-video/ai-avatar/v2/pro", "bench-key"
RTT_MS, UPLINK_MBIT, HANDSHAKE_RTTS = 100, 20, 2
NETWORK = {"FAKE_RTT_MS": str(RTT_MS), "FAKE_UPLINK_MBIT": str(UPLINK_MBIT), "FAKE_HANDSHAKE_RTTS": str(HANDSHAKE_RTTS)}
WARM_RUNS = 3


@dataclass(frozen=True)
class Accepted:
    seconds: float  # Generate call → the submit's answer back at the app
    floor: float
    floor_rtts: int
    sent_bytes: int  # photo + voice as uploaded to fal
    photo_bytes: int  # the photo as uploaded to fal
    photo_sent: str  # what fal got: "1536×2048 JPEG, upright"
    requests: list[str]  # what the app sent to fal before the submit's answer, in order
    local_seconds: float  # Generate call → the first request to fal: the app's own work on the inputs

    @property
    def new_connections(self) -> int:
        return sum(1 for request in self.requests if request.endswith("(new connection)"))


def measure(work: Path, photo: Path, voice: Path, fixed: Path) -> tuple[Accepted, list[Accepted]]:
    """The first Generate of a fresh app (no token held yet), then WARM_RUNS more."""
    env = {**NETWORK, "FAKE_QUEUE_SECONDS": "1", "FAKE_RUN_SECONDS": "4", "FAKE_FIXED_VIDEO": str(fixed)}
    with (
        fake_fal(**env) as fal_url,
        served("tests/fakes/app_on_fake.py", BENCH_FAL_URL=fal_url, FAL_KEY=KEY, KLING_STUDIO_DATA=str(work / "n")) as (
            _,
            url,
            _,
        ),
    ):
        inputs = [upload(url, photo), upload(url, voice)]
        runs = [_one(url, fal_url, inputs, f"network run {i}", first=i == 0) for i in range(1 + WARM_RUNS)]
    return runs[0], runs[1:]


def _one(url: str, fal_url: str, inputs: list[dict], prompt: str, first: bool) -> Accepted:
    started = time.monotonic()
    call(url, "generate", arguments(url, "generate", image=inputs[0], audio=inputs[1], prompt=prompt, model=PRO))
    stats = httpx.get(fal_url + "/_fake/stats").json()
    network = httpx.get(fal_url + "/_fake/network").json()
    rtt = network["rtt_seconds"]
    job = stats["jobs"][-1]
    answered = job["submitted"] + rtt / 2
    sizes = {upload["name"]: upload["bytes"] for upload in stats["uploads"]}
    photo_name, voice_name = (job[f"{kind}_url"].rsplit("/", 1)[1] for kind in ("image", "audio"))
    sent = sizes[photo_name] + sizes[voice_name]
    rtts = 3 if first else 2
    window = [entry for entry in network["log"] if started <= entry["at"] <= job["submitted"]]
    return Accepted(
        seconds=answered - started,
        floor=sent * 8 / (UPLINK_MBIT * 1e6) + rtts * rtt,
        floor_rtts=rtts,
        sent_bytes=sent,
        photo_bytes=sizes[photo_name],
        photo_sent=_describe(httpx.get(f"{fal_url}/files/{photo_name}").content),
        requests=[_request(entry) for entry in window],
        local_seconds=window[0]["at"] - started,
    )


def _describe(image_bytes: bytes) -> str:
    with Image.open(io.BytesIO(image_bytes)) as image:
        shown = ImageOps.exif_transpose(image) or image
        upright = "upright" if shown.height >= shown.width else "sideways"
        return f"{shown.width}×{shown.height} {image.format}, {upright}"


def _request(entry: dict) -> str:
    path = entry["path"]
    name = "token" if "auth/token" in path else "upload" if path.startswith("/files") else entry["method"]
    name = "submit" if name == "POST" else name
    return f"{name} {entry['bytes']:,} B" + (" (new connection)" if entry["new_connection"] else "")


def summary(warm: list[Accepted]) -> Accepted:
    """The warm run with the median time."""
    return sorted(warm, key=lambda run: run.seconds)[len(warm) // 2]


def median_ratio(warm: list[Accepted]) -> float:
    return statistics.median(run.seconds / run.floor for run in warm)
