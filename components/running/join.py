"""One video from a narration's parts: what every browser plays (H.264 + AAC, one frame rate).

The parts come from the same model, portrait and prompt, so their video streams agree and are
copied as they are (no quality lost, a second of work); the audio is decoded across the joins and
encoded once, so it runs on without a gap or a click. Parts that disagree are re-encoded to the
first part's size and frame rate instead.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from pathlib import Path

_JOIN_TIMEOUT_SECONDS = 900


def join_videos(parts: list[Path], target: Path, lengths: list[float] | None = None) -> Path:
    """Write `target` (through a part file, so a failure never leaves half a video) and return it.

    `lengths`: each part's audio, in seconds. A video a little longer than its audio (a frame, an
    encoder's padding) is cut there, so every part starts where its voice does and the whole is
    as long as the narration."""
    partial = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
    listing = partial.with_suffix(".txt")
    try:
        probed = [_probe(path) for path in parts]
    except (subprocess.SubprocessError, ValueError, KeyError, IndexError) as exc:
        raise RuntimeError(f"a part's video could not be read ({type(exc).__name__})") from None
    formats = [found[:4] for found in probed]
    # Never past a part's own end: the concat demuxer would leave a gap there.
    lengths = [min(length, found[4]) for length, found in zip(lengths, probed, strict=True)] if lengths else None
    ends = [f"outpoint {length:.3f}\n" for length in lengths] if lengths else [""] * len(parts)
    listing.write_text("".join(f"file '{_quoted(path)}'\n{end}" for path, end in zip(parts, ends, strict=True)))
    try:
        copyable = len(set(formats)) == 1 and formats[0][3] == "h264"
        copied = copyable and _ffmpeg(["-f", "concat", "-safe", "0", "-i", str(listing), "-c:v", "copy"], partial)
        if not copied:
            _ffmpeg(_reencode_inputs(parts, formats[0], lengths), partial, check=True)
        partial.replace(target)
    finally:
        listing.unlink(missing_ok=True)
        partial.unlink(missing_ok=True)
    return target


def _ffmpeg(inputs: list[str], output: Path, check: bool = False) -> bool:
    command = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *inputs]
    # AAC at ffmpeg's default rate: asking 128k of a 24 kHz mono voice bought no quality, only 3× the time.
    command += ["-c:a", "aac", "-movflags", "+faststart", "-f", "mp4", str(output)]
    done = subprocess.run(command, capture_output=True, timeout=_JOIN_TIMEOUT_SECONDS, check=False)
    if check and done.returncode != 0:
        raise RuntimeError(done.stderr.decode(errors="replace")[-300:])
    return done.returncode == 0


def _reencode_inputs(parts: list[Path], first: tuple[int, int, str, str], lengths: list[float] | None) -> list[str]:
    width, height, rate, _codec = first
    inputs, chains = [], []
    for index, path in enumerate(parts):
        inputs += ["-t", f"{lengths[index]:.3f}"] if lengths else []
        inputs += ["-i", str(path)]
        chains.append(
            f"[{index}:v]scale={width}:{height}:force_original_aspect_ratio=decrease,"
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,fps={rate},setsar=1[v{index}]"
        )
    streams = "".join(f"[v{index}][{index}:a]" for index in range(len(parts)))
    graph = ";".join(chains) + f";{streams}concat=n={len(parts)}:v=1:a=1[v][a]"
    return inputs + ["-filter_complex", graph, "-map", "[v]", "-map", "[a]"] + _H264


_H264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"]


def _probe(path: Path) -> tuple[int, int, str, str, float]:
    """Width, height, frame rate and codec (copying needs all four to agree), and the length in seconds."""
    command = ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries"]
    command += ["stream=width,height,r_frame_rate,codec_name:format=duration", "-of", "json", str(path)]
    done = subprocess.run(command, capture_output=True, check=True, timeout=60)
    found = json.loads(done.stdout)
    stream, seconds = found["streams"][0], float(found["format"]["duration"])
    return (
        int(stream["width"]),
        int(stream["height"]),
        str(stream["r_frame_rate"]),
        str(stream["codec_name"]),
        seconds,
    )


def _quoted(path: Path) -> str:
    """The concat list's own quoting: a quote inside a single-quoted name is written '\\''."""
    return str(path.resolve()).replace("'", "'\\''")
