"""The fake fal's "model": the uploaded portrait as a small mp4 exactly as long as the uploaded audio.

Tests check that the video's length (and the price the app shows) follows the audio, so the fake
must really encode one; a tiny, fast encode keeps that cheap.
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from PIL import Image

from tests.fakes.media import probe_seconds


def render_video(image: Path, audio: Path, workdir: Path) -> tuple[Path, float]:
    """Encode `image` over `audio` into `workdir`; returns the mp4 and its length in seconds.

    Named by a digest of both inputs so a repeated run reuses the earlier encode.
    """
    seconds = round(probe_seconds(audio), 2)
    digest = hashlib.sha1(audio.read_bytes() + image.read_bytes()).hexdigest()[:12]
    video = workdir / f"{digest}.mp4"
    if not video.exists():
        still = workdir / f"{digest}.png"  # ffmpeg cannot loop every format fal takes (GIF)
        Image.open(image).convert("RGB").save(still)
        subprocess.run(
            [
                "ffmpeg",
                "-loglevel",
                "error",
                "-y",
                "-loop",
                "1",
                "-framerate",
                "10",
                "-i",
                str(still),
                "-i",
                str(audio),
                "-t",
                f"{seconds}",
                "-vf",
                "scale=320:-2,format=yuv420p",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-tune",
                "stillimage",
                "-c:a",
                "aac",
                str(video),
            ],
            check=True,
        )
    return video, seconds
