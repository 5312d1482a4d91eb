"""The local preview video: the portrait's mouth opens with the voice's loudness.

No model, no network: a loudness envelope (numpy RMS per video frame) drives a
jaw stretch and an open-mouth shape drawn with Pillow, and ffmpeg muxes the
frames with the voice. Every frame carries the PREVIEW_LABEL banner, so the
video can never be mistaken for Kling's output.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydub import AudioSegment

PREVIEW_LABEL = "Preview — rendered locally, not Kling"
FPS = 15
LONG_SIDE = 480
# Loudness is quantised to this many mouth positions; each is drawn once and reused.
LEVELS = 12
# Where a centred portrait's mouth usually sits, as fractions of width and height.
MOUTH_X, MOUTH_Y, MOUTH_W = 0.5, 0.62, 0.16


def render_preview(image_path: Path, audio_path: Path, target: Path) -> float:
    """Write the preview mp4 to `target` and return its length in seconds."""
    voice = AudioSegment.from_file(audio_path)
    seconds = len(voice) / 1000
    levels = loudness_levels(voice, FPS, LEVELS)
    base = _labelled(_fit(Image.open(image_path).convert("RGB")))
    frames = [_mouth_frame(base, level / (LEVELS - 1)).tobytes() for level in range(LEVELS)]
    _encode(frames, levels, base.size, audio_path, seconds, target)
    return seconds


def loudness_levels(voice: AudioSegment, fps: int, levels: int) -> np.ndarray:
    """One quantised loudness level (0 … levels-1) per video frame."""
    samples = np.array(voice.set_channels(1).get_array_of_samples(), dtype=np.float64)
    per_frame = max(1, int(voice.frame_rate / fps))
    count = int(np.ceil(len(samples) / per_frame))
    padded = np.zeros(count * per_frame)
    padded[: len(samples)] = samples
    rms = np.sqrt((padded.reshape(count, per_frame) ** 2).mean(axis=1))
    loud = np.percentile(rms, 95) or 1.0
    # A short moving average: mouths do not snap shut between syllables.
    smooth = np.convolve(np.clip(rms / loud, 0, 1), np.ones(3) / 3, mode="same")
    return np.round(smooth * (levels - 1)).astype(int)


def _fit(image: Image.Image) -> Image.Image:
    scale = LONG_SIDE / max(image.size)
    width, height = (int(round(side * scale / 2)) * 2 for side in image.size)  # even sides for yuv420p
    return image.resize((width, height), Image.LANCZOS)


def _labelled(image: Image.Image) -> Image.Image:
    labelled = image.copy()
    draw = ImageDraw.Draw(labelled, "RGBA")
    font, text = _label_font(max(12, image.width // 28))
    band = int(font.size * 2)
    draw.rectangle([0, 0, image.width, band], fill=(0, 0, 0, 170))
    draw.text((image.width / 2, band / 2), text, font=font, fill="white", anchor="mm")
    return labelled


def _label_font(size: int) -> tuple[ImageFont.FreeTypeFont, str]:
    """DejaVu has the em dash; Pillow's built-in font does not, so it gets a hyphen."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size), PREVIEW_LABEL
    except OSError:
        return ImageFont.load_default(size=size), PREVIEW_LABEL.replace("—", "-")


def _mouth_frame(base: Image.Image, openness: float) -> Image.Image:
    """Stretch the jaw down and draw an open mouth, both in proportion to `openness`."""
    frame = base.copy()
    w, h = base.size
    left, right = int(w * (MOUTH_X - MOUTH_W)), int(w * (MOUTH_X + MOUTH_W))
    top, bottom = int(h * MOUTH_Y), min(h, int(h * (MOUTH_Y + 0.2)))
    jaw = base.crop((left, top, right, bottom))
    stretched = jaw.resize((jaw.width, int(jaw.height * (1 + 0.25 * openness))), Image.BILINEAR)
    frame.paste(stretched.crop((0, 0, jaw.width, min(stretched.height, h - top))), (left, top))
    if openness > 0.05:
        cx, cy = w * MOUTH_X, h * MOUTH_Y + jaw.height * 0.12 * openness
        rx, ry = w * MOUTH_W * 0.45, h * 0.035 * openness
        ImageDraw.Draw(frame).ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=(70, 20, 25))
    return frame


def _encode(
    frames: list[bytes], levels: np.ndarray, size: tuple[int, int], audio_path: Path, seconds: float, target: Path
) -> None:
    width, height = size
    command = [
        "ffmpeg",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{width}x{height}",
        "-r",
        str(FPS),
        "-i",
        "-",
        "-i",
        str(audio_path),
        "-t",
        f"{seconds:.3f}",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "96k",
        "-movflags",
        "+faststart",
        str(target),
    ]
    with subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE) as ffmpeg:
        for level in levels:
            ffmpeg.stdin.write(frames[level])
        ffmpeg.stdin.close()
        error = ffmpeg.stderr.read().decode(errors="replace")
    if ffmpeg.returncode != 0:
        raise RuntimeError(f"ffmpeg could not encode the preview: {error.strip()[:300]}")
