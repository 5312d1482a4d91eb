"""The local preview video: the portrait talks, driven by the voice's loudness.

No model, no network. A loudness envelope (numpy RMS per video frame) opens the mouth by warping the
lower face where the app's face detector found it (preview_warp.py); the head moves a little and the
eyes blink. Frames are piped raw to one ffmpeg, which muxes them with the voice. The video keeps the
portrait's aspect ratio, up to 720p and never larger than the portrait, and every frame carries the
PREVIEW_LABEL banner, so it can never be mistaken for Kling's output.
"""

from __future__ import annotations

import contextlib
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps
from pydub import AudioSegment

from components.backends.preview_warp import Animator, locate, motion

PREVIEW_LABEL = "Preview — rendered locally, not Kling"
FPS = 25
SHORT_SIDE, LONG_SIDE = 720, 1280  # "720p", whichever way the portrait stands
LEVELS = 12  # loudness is quantised to this many mouth positions
VOICE_RATE = 16000  # Hz: the voice is read at this rate for its loudness
BANNER_SHADE = 170 / 255  # how far the banner darkens the picture under it


def render_preview(image_path: Path, audio_path: Path, target: Path) -> float:
    """Write the preview mp4 to `target` and return its length in seconds."""
    try:
        return _render(image_path, audio_path, target)
    except (cv2.error, ValueError) as exc:  # an image OpenCV or numpy cannot work with: fail like ffmpeg does
        raise RuntimeError(f"the preview could not be drawn: {exc}") from exc


def _render(image_path: Path, audio_path: Path, target: Path) -> float:
    with ThreadPoolExecutor(1) as pool:  # ffmpeg decodes the voice while the face is looked for
        voice = pool.submit(decode_voice, audio_path)
        portrait = load_portrait(image_path)
        banner = Banner(portrait.width)
        # The banner's rows never move: the motion stops at its edge, so it is drawn once.
        animator = Animator(np.asarray(portrait), locate(portrait), keep_rows=banner.rows)
        voice = voice.result()
    seconds = len(voice) / 1000
    levels = loudness_levels(voice, FPS, LEVELS)
    frame = banner.apply(np.asarray(portrait).copy())
    with _Encoder(portrait.size, audio_path, seconds, target) as encoder:
        for index, level in enumerate(levels):
            blink, turn, shift_x, shift_y = motion(index, FPS)
            frame[animator.roi] = animator.frame(level / (LEVELS - 1), blink, turn, shift_x, shift_y)
            encoder.write(frame)
    return seconds


def load_portrait(path: Path) -> Image.Image:
    """Upright RGB at the video's size: the portrait's aspect, up to 720p, never upscaled, even sides."""
    with Image.open(path) as opened:
        sideways = opened.getexif().get(0x0112, 1) in {5, 6, 7, 8}  # EXIF Orientation: shown turned 90°
        width, height = opened.size[::-1] if sideways else opened.size
        size = video_size(width, height)
        opened.draft("RGB", size[::-1] if sideways else size)  # a JPEG decodes straight at a smaller scale
        image = ImageOps.exif_transpose(opened).convert("RGB")
    return image.resize(size, Image.LANCZOS, reducing_gap=3.0) if image.size != size else image


def video_size(width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, SHORT_SIDE / min(width, height), LONG_SIDE / max(width, height))
    return max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2)  # even sides for yuv420p


def decode_voice(path: Path) -> AudioSegment:
    """The voice as 16 kHz mono, plenty for a loudness envelope (and no ffprobe call, unlike from_file)."""
    command = ["ffmpeg", "-loglevel", "error", "-i", str(path), "-vn", "-ac", "1", "-ar", str(VOICE_RATE)]
    decoded = subprocess.run([*command, "-f", "s16le", "-"], capture_output=True, check=False)
    if decoded.returncode != 0 or not decoded.stdout:
        error = decoded.stderr.decode(errors="replace").strip()[:300]
        raise RuntimeError(f"ffmpeg could not read the voice: {error}")
    samples = decoded.stdout[: len(decoded.stdout) // 2 * 2]
    return AudioSegment(data=samples, sample_width=2, frame_rate=VOICE_RATE, channels=1)


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


class Banner:
    """The PREVIEW_LABEL band across the top: the picture darkened, the text in white."""

    def __init__(self, width: int) -> None:
        font, text = _label_font(max(12, width // 28))
        self.rows = int(font.size * 2)
        mask = Image.new("L", (width, self.rows))
        ImageDraw.Draw(mask).text((width / 2, self.rows / 2), text, font=font, fill=255, anchor="mm")
        ink = np.asarray(mask, dtype=np.float32)[..., None] / 255
        self.keep = (1 - BANNER_SHADE) * (1 - ink)
        self.add = 255 * ink

    def apply(self, frame: np.ndarray) -> np.ndarray:
        rows = min(self.rows, frame.shape[0])
        frame[:rows] = (frame[:rows] * self.keep[:rows] + self.add[:rows]).astype(np.uint8)
        return frame


def _label_font(size: int) -> tuple[ImageFont.FreeTypeFont, str]:
    """DejaVu has the em dash; Pillow's built-in font does not, so it gets a hyphen."""
    try:
        return ImageFont.truetype("DejaVuSans.ttf", size), PREVIEW_LABEL
    except OSError:
        return ImageFont.load_default(size=size), PREVIEW_LABEL.replace("—", "-")


class _Encoder:
    """One ffmpeg: raw frames on its stdin (converted to YUV 4:2:0 here: OpenCV's conversion is faster than
    ffmpeg's and halves the bytes piped), the voice from its file; H.264 + AAC, web-ready."""

    def __init__(self, size: tuple[int, int], audio_path: Path, seconds: float, target: Path) -> None:
        width, height = size
        video_in = ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}", "-r", str(FPS), "-i", "-"]
        # x264's fastest preset (with its deblocking filter back on, for smooth skin) takes half the CPU of
        # "veryfast" for a file ~10× larger: ~1.3 MB for 8 s at 720×960, still light for a browser.
        video_out = ["-c:v", "libx264", "-preset", "ultrafast", "-x264-params", "deblock=1", "-crf", "23"]
        audio_out = ["-c:a", "aac", "-aac_coder", "fast", "-b:a", "96k", "-movflags", "+faststart"]
        self.command = ["ffmpeg", "-loglevel", "error", "-y", *video_in, "-i", str(audio_path)]
        self.command += ["-t", f"{seconds:.3f}", *video_out, *audio_out, str(target)]

    def __enter__(self) -> _Encoder:
        self.ffmpeg = subprocess.Popen(self.command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        return self

    def write(self, frame: np.ndarray) -> None:
        with contextlib.suppress(BrokenPipeError):  # ffmpeg stopped early: its error is raised on exit
            self.ffmpeg.stdin.write(cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).data)

    def __exit__(self, *exc_info: object) -> None:
        with contextlib.suppress(BrokenPipeError):
            self.ffmpeg.stdin.close()
        error = self.ffmpeg.stderr.read().decode(errors="replace")
        self.ffmpeg.wait()
        if self.ffmpeg.returncode != 0 and exc_info[0] is None:
            raise RuntimeError(f"ffmpeg could not encode the preview: {error.strip()[:300]}")
