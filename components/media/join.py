"""One video from a narration's parts: what every browser plays (H.264 + AAC, one frame rate).

The parts come from the same model, portrait and prompt, so their video streams agree and are
copied as they are (no quality lost, a second of work); the audio is decoded across the joins and
encoded once, so it runs on without a gap or a click. Parts that disagree are re-encoded to the
first part's size and frame rate instead.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

_JOIN_TIMEOUT_SECONDS = 900


def join_videos(parts: list[Path], target: Path) -> Path:
    """Write `target` (through a part file, so a failure never leaves half a video) and return it."""
    partial = target.with_name(f".{target.name}.part")
    listing = target.with_name(f".{target.stem}.txt")
    listing.write_text("".join(f"file '{_quoted(path)}'\n" for path in parts))
    formats = [_video_format(path) for path in parts]
    try:
        copyable = len(set(formats)) == 1 and formats[0][3] == "h264"
        copied = copyable and _ffmpeg(["-f", "concat", "-safe", "0", "-i", str(listing), "-c:v", "copy"], partial)
        if not copied:
            _ffmpeg(_reencode_inputs(parts, formats[0]), partial, check=True)
        partial.replace(target)
    finally:
        listing.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return target


def _ffmpeg(inputs: list[str], output: Path, check: bool = False) -> bool:
    command = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *inputs]
    command += ["-c:a", "aac", "-b:a", "128k", "-movflags", "+faststart", "-f", "mp4", str(output)]
    done = subprocess.run(command, capture_output=True, timeout=_JOIN_TIMEOUT_SECONDS, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(done.stderr.decode(errors="replace")[-300:])
    return done.returncode == 0


def _reencode_inputs(parts: list[Path], first: tuple[int, int, str, str]) -> list[str]:
    width, height, rate, _codec = first
    inputs, chains = [], []
    for index, path in enumerate(parts):
        inputs += ["-i", str(path)]
        chains.append(
            f"[{index}:v]scale={width}:{height}:force_original_aspect_ratio=decrease,"
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,fps={rate},setsar=1[v{index}]"
        )
    streams = "".join(f"[v{index}][{index}:a]" for index in range(len(parts)))
    graph = ";".join(chains) + f";{streams}concat=n={len(parts)}:v=1:a=1[v][a]"
    return inputs + ["-filter_complex", graph, "-map", "[v]", "-map", "[a]"] + _H264


_H264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"]


def _video_format(path: Path) -> tuple[int, int, str, str]:
    """Width, height, frame rate and codec: copying needs all four to agree across the parts."""
    command = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries"]
    command += ["stream=width,height,r_frame_rate,codec_name", "-of", "json", str(path)]
    done = subprocess.run(command, capture_output=True, check=True, timeout=60)
    stream = json.loads(done.stdout)["streams"][0]
    return (int(stream["width"]), int(stream["height"]), str(stream["r_frame_rate"]), str(stream["codec_name"]))


def _quoted(path: Path) -> str:
    """The concat list's own quoting: a quote inside a single-quoted name is written '\\''."""
    return str(path.resolve()).replace("'", "'\\''")
