"""ffmpeg for the posting tools: read a video's size, length, sound and one frame; render another shape.

Blocking calls (run them in a thread), each bounded by a timeout. ffmpeg gets argument lists, never a
shell; the filter graph names only files this app wrote, by a relative name in their own folder (a
filter graph gives `:` and `'` a meaning, so no path from elsewhere ever goes into one).
"""

from __future__ import annotations

import io
import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from components.errors import InputRejected, StudioError
from components.posting.framing import Crop, shape_size

VOICE_RATE = 16000
PROBE_SECONDS = 20
# A five-minute narration re-encodes in about a minute on one core; anything longer is stuck.
RENDER_SECONDS = 600
_QUIET = ["-nostdin", "-hide_banner", "-loglevel", "error"]


class RenderFailed(StudioError):
    """ffmpeg could not make the file on this machine."""


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    seconds: float
    has_sound: bool


def probe_video(path: Path) -> VideoInfo:
    command = ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=PROBE_SECONDS, check=True)
        found = json.loads(done.stdout)
        video = next(s for s in found["streams"] if s.get("codec_type") == "video")
        sound = any(s.get("codec_type") == "audio" for s in found["streams"])
        return VideoInfo(int(video["width"]), int(video["height"]), float(found["format"]["duration"]), sound)
    except (subprocess.SubprocessError, OSError, ValueError, KeyError, StopIteration):
        raise InputRejected("That file is not a video this app can read (MP4, MOV or WebM).") from None


def decode_sound(path: Path, max_seconds: float) -> np.ndarray:
    """The video's sound as mono 16-bit samples at VOICE_RATE, at most `max_seconds` of it."""
    command = ["ffmpeg", *_QUIET, "-i", str(path), "-t", f"{max_seconds:.3f}", "-vn", "-ac", "1"]
    command += ["-ar", str(VOICE_RATE), "-f", "s16le", "-"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=PROBE_SECONDS, check=True)
    except (subprocess.SubprocessError, OSError):
        raise InputRejected("The video's sound could not be read.") from None
    return np.frombuffer(done.stdout, dtype="<i2")


def extract_voice(path: Path, target: Path, seconds: float) -> Path:
    """The video's sound alone, as a small mono MP3 for a speech-to-text upload (speech needs no more).
    Cut at `seconds`, the length it is priced by: a container may claim less than the sound it holds."""
    command = ["ffmpeg", *_QUIET, "-y", "-i", str(path), "-t", f"{seconds:.3f}", "-vn", "-ac", "1"]
    command += ["-ar", str(VOICE_RATE)]
    command += ["-c:a", "libmp3lame", "-b:a", "48k", "-f", "mp3", str(target)]
    try:
        subprocess.run(command, capture_output=True, timeout=RENDER_SECONDS, check=True)
    except (subprocess.SubprocessError, OSError):
        target.unlink(missing_ok=True)
        raise InputRejected("The video's sound could not be read.") from None
    return target


def grab_frame(path: Path, at: float) -> Image.Image:
    """One frame, `at` seconds in, as an RGB picture (for the face check)."""
    command = ["ffmpeg", *_QUIET, "-ss", f"{at:.3f}", "-i", str(path), "-frames:v", "1"]
    command += ["-f", "image2pipe", "-vcodec", "png", "-"]
    try:
        done = subprocess.run(command, capture_output=True, timeout=PROBE_SECONDS, check=True)
        return Image.open(io.BytesIO(done.stdout)).convert("RGB")
    except (subprocess.SubprocessError, OSError, ValueError):
        raise InputRejected("No frame of the video could be read.") from None


def render_shape(source: Path, info: VideoInfo, crop: Crop, shape: str, target: Path, ass: str | None) -> Path:
    """`source` cropped (and filled) to `shape`, with `ass` burned in when given; the sound copied as it is.
    Written beside `target` under a dot-name, then renamed, so a half-made file is never served."""
    out_w, out_h = shape_size(shape)
    left, top, width, height = crop.inside((info.width, info.height))
    scale = out_w / crop.width
    fg_w, fg_h = _even(width * scale), _even(height * scale)
    graph = f"[0:v]crop={width}:{height}:{left}:{top},scale={out_w}:{out_h},setsar=1"
    if crop.needs_fill((info.width, info.height)):
        graph = f"[0:v]crop={width}:{height}:{left}:{top},scale={fg_w}:{fg_h},setsar=1"
        small_w, small_h = _even(out_w / 8), _even(out_h / 8)
        background = (
            f"[0:v]scale={small_w}:{small_h}:force_original_aspect_ratio=increase,crop={small_w}:{small_h},"
            f"boxblur=4:2,scale={out_w}:{out_h},setsar=1[bg];"
        )
        at_x, at_y = round((left - crop.left) * scale), round((top - crop.top) * scale)
        graph = f"{background}{graph}[fg];[bg][fg]overlay={at_x}:{at_y}"
    partial = target.with_name(f".{target.name}")
    if ass is not None:
        captions = target.with_suffix(".ass")
        captions.write_text(ass, encoding="utf-8")
        graph += f",subtitles=filename={captions.name}"
    graph += ",format=yuv420p[v]"
    # Cut at the probed length the checks allowed: a container may claim less than the frames it holds.
    command = ["ffmpeg", *_QUIET, "-y", "-i", str(source.resolve()), "-t", f"{info.seconds:.3f}"]
    command += ["-filter_complex", graph, "-map", "[v]"]
    command += ["-map", "0:a?", "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-threads", "2"]
    command += ["-c:a", "copy", "-movflags", "+faststart", "-f", "mp4", partial.name]
    try:
        subprocess.run(command, cwd=target.parent, capture_output=True, timeout=RENDER_SECONDS, check=True)
        os.replace(partial, target)
    except (subprocess.SubprocessError, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise RenderFailed(f"The {shape} version could not be made ({type(exc).__name__}).") from None
    finally:
        if ass is not None:
            target.with_suffix(".ass").unlink(missing_ok=True)
    return target


def _even(value: float) -> int:
    return max(2, 2 * round(value / 2))
