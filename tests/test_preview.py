"""No key, no problem: the local preview renders a labelled video, offline and free."""

from __future__ import annotations

import subprocess
from io import BytesIO
from pathlib import Path

import gradio
import numpy as np
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image
from pydub import AudioSegment

from bench.preview_speed import real_photo
from components.backends import preview_render
from components.backends.preview_render import PREVIEW_LABEL, load_portrait, loudness_levels, render_preview, video_size
from components.backends.preview_warp import BLINK_GAPS, BLINK_SECONDS, Animator, locate
from tests.fakes.media import probe_seconds, tone_wav
from tests.helpers import PREVIEW

ROOT = Path(__file__).resolve().parent.parent
FRAMES = ROOT / "artifacts" / "preview-frames"  # gitignored: the frames to look at after a run


def first_frame(video: str, at: float = 0.5) -> np.ndarray:
    png = subprocess.run(
        [
            "ffmpeg",
            "-loglevel",
            "error",
            "-ss",
            str(at),
            "-i",
            video,
            "-frames:v",
            "1",
            "-f",
            "image2pipe",
            "-c:v",
            "png",
            "-",
        ],
        check=True,
        capture_output=True,
    ).stdout
    return np.asarray(Image.open(BytesIO(png)).convert("L"), dtype=float)


def test_keyless_app_defaults_to_the_preview_and_renders_without_fal(keyless, media, fal):
    client = Client(keyless, verbose=False)
    default_model = client.view_api(return_format="dict")["named_endpoints"]["/generate"]["parameters"][3]
    assert default_model["parameter_default"] == PREVIEW
    video, status, _record = client.predict(
        handle_file(str(media / "face.png")),
        handle_file(str(media / "speech.wav")),
        ".",
        PREVIEW,
        "",
        api_name="/generate",
    )
    assert abs(probe_seconds(video) - probe_seconds(media / "speech.wav")) < 0.2
    assert PREVIEW_LABEL in status and "actual cost **Free**" in status
    assert fal.seen == []
    frame = first_frame(video)
    banner, below = frame[:10].mean(), frame[40:60].mean()
    assert banner < 90 < below, "the preview banner is missing from the video"


def test_the_mouth_moves_with_the_voice(keyless, media, fal, tmp_path):
    loud_then_quiet = tmp_path / "lq.wav"
    (AudioSegment.from_wav(tone_wav(tmp_path / "a.wav", 1.5)) + AudioSegment.silent(1500)).export(
        loud_then_quiet, format="wav"
    )
    client = Client(keyless, verbose=False)
    video, _, _record = client.predict(
        handle_file(str(media / "face.png")), handle_file(str(loud_then_quiet)), ".", PREVIEW, "", api_name="/generate"
    )
    talking, silent = first_frame(video, 0.7), first_frame(video, 2.6)
    assert np.abs(talking - silent).mean() > 0.5, "the face did not move with the voice"


def test_kling_without_any_key_points_to_the_preview(keyless, media, fal):
    client = Client(keyless, verbose=False)
    with pytest.raises(AppError, match="choose the free “Local preview” model"):
        client.predict(
            handle_file(str(media / "face.png")),
            handle_file(str(media / "speech.wav")),
            ".",
            "fal-ai/kling-video/ai-avatar/v2/pro",
            "",
            api_name="/generate",
        )
    assert fal.seen == []


def test_loudness_levels_follow_the_envelope(tmp_path):
    voice = AudioSegment.from_wav(tone_wav(tmp_path / "a.wav", 1.0)) + AudioSegment.silent(1000)
    levels = loudness_levels(voice, fps=10, levels=12)
    assert len(levels) == 20
    assert levels[2:8].min() >= 6 and levels[13:].max() == 0


def a_photo() -> Path:
    try:
        return real_photo()
    except SystemExit:
        pytest.skip("no photograph here: set PREVIEW_PHOTO, add one to examples/ or install scikit-image")


def a_cat_photo() -> Path:
    """A real photograph that is always here: a cheetah cub in gradio's own test data (a pinned dependency)."""
    path = Path(gradio.__file__).parent / "test_data" / "cheetah2.jpg"
    if not path.exists():
        pytest.skip("gradio no longer ships test_data/cheetah2.jpg")
    return path


PORTRAITS = {"photo": a_photo, "cat-photo": a_cat_photo, "drawing": lambda: ROOT / "examples" / "person.png"}


def all_frames(video: Path) -> np.ndarray:
    width, height = probe_size(video)
    raw = subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(video), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, height, width, 3)


def probe_size(video: Path) -> tuple[int, int]:
    report = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "stream=width,height", "-of", "csv=p=0"]
        + [str(video)],
        check=True,
        capture_output=True,
        text=True,
    )
    width, height = report.stdout.strip().split(",")
    return int(width), int(height)


def quiet_loud_quiet(path: Path) -> Path:
    """1 s of silence, 1.5 s of a loud syllable-like tone, 1 s of silence."""
    tone = AudioSegment.from_wav(tone_wav(path.with_suffix(".tone.wav"), 1.5))
    (AudioSegment.silent(1000) + tone + AudioSegment.silent(1000)).export(path, format="wav")
    return path


def energy_share(frame: np.ndarray, other: np.ndarray, box: tuple[float, float, float, float]) -> float:
    """The share of the squared difference between two frames inside the face box's lower half, widened a little."""
    energy = ((frame.astype(float) - other.astype(float)) ** 2).sum(axis=2)
    left, top, width, height = box
    rows = slice(round(top + 0.5 * height), round(top + 1.35 * height))
    return energy[rows, round(left - 0.15 * width) : round(left + 1.15 * width)].sum() / energy.sum()


@pytest.mark.parametrize("kind", list(PORTRAITS))
def test_the_preview_talks_with_the_lower_face(kind, tmp_path, monkeypatch):
    image = PORTRAITS[kind]()
    voice = quiet_loud_quiet(tmp_path / "voice.wav")
    portrait = load_portrait(image)
    layout = locate(portrait)
    assert layout.found, "the app's face detector should find this face"
    with Image.open(image) as source:
        aspect = source.width / source.height
    assert abs(portrait.width / portrait.height - aspect) < 0.02 * aspect

    # The whole video: the portrait's aspect, at most 720p, the banner on every frame, and motion.
    seconds = render_preview(image, voice, tmp_path / "preview.mp4")
    frames = all_frames(tmp_path / "preview.mp4")
    height, width = frames.shape[1:3]
    assert (width, height) == portrait.size and min(width, height) <= 720 and max(width, height) <= 1280
    assert abs(len(frames) - seconds * preview_render.FPS) <= 2
    banner = preview_render.Banner(width).rows
    picture = np.asarray(portrait, dtype=float)
    under_banner = picture[: banner // 3].mean()
    assert all(frame[: banner // 3].mean() < 0.6 * under_banner for frame in frames), "a frame has no banner"
    fps = preview_render.FPS
    blinking = int((BLINK_GAPS[0] + BLINK_SECONDS / 2) * fps)
    levels = loudness_levels(AudioSegment.from_file(voice), fps, preview_render.LEVELS)
    levels[blinking - 5 : blinking + 6] = -1  # the loud frame shown is one with open eyes
    loudest, quietest = int(np.argmax(levels)), int(0.5 * fps)
    silent, loud, blink = frames[quietest], frames[loudest], frames[blinking]
    FRAMES.mkdir(parents=True, exist_ok=True)
    for name, frame in [("silent", silent), ("loud", loud), ("blink", blink)]:
        Image.fromarray(frame).save(FRAMES / f"{kind}-{name}.png")
    assert np.abs(loud.astype(float) - silent.astype(float)).mean() > 0.5

    # With the head held still, what changes between a silent and a loud frame is the mouth and jaw.
    monkeypatch.setattr(preview_render, "motion", lambda index, fps: (0.0, 0.0, 0.0, 0.0))
    render_preview(image, voice, tmp_path / "still.mp4")
    still = all_frames(tmp_path / "still.mp4")
    talking, quiet = still[loudest], still[quietest]
    assert energy_share(talking, quiet, layout.face) > 0.7
    left, top, width, height = (round(v) for v in layout.face)
    mouth = (slice(top + height // 2, top + height), slice(left, left + width))
    moved = np.abs(talking[mouth].astype(float) - quiet[mouth]).mean()
    assert moved > 3, f"the mouth barely moved ({moved:.1f} levels)"


def test_a_portrait_without_a_detected_face_still_talks_in_its_lower_centre():
    rng = np.random.default_rng(3)
    texture = Image.fromarray(rng.integers(90, 160, (640, 512, 3), dtype=np.uint8)).resize((512, 640))
    layout = locate(texture)
    assert not layout.found
    animator = Animator(np.asarray(texture), layout)
    silent, loud = (animator.frame(openness, 0, 0, 0, 0) for openness in (0.0, 1.0))
    full_silent, full_loud = (np.asarray(texture).copy() for _ in range(2))
    full_silent[animator.roi], full_loud[animator.roi] = silent, loud
    assert energy_share(full_loud, full_silent, layout.face) > 0.7
    left, top, width, height = layout.face
    assert abs(left + width / 2 - 256) < 2 and 0.3 * 640 < layout.mouth_y < 0.75 * 640


@pytest.mark.parametrize(
    ("source", "video"),
    [
        ((3024, 4032), (720, 960)),
        ((4032, 3024), (960, 720)),
        ((1080, 1920), (720, 1280)),
        ((600, 2000), (384, 1280)),
        ((512, 640), (512, 640)),
        ((513, 641), (512, 640)),
    ],
)
def test_the_video_keeps_the_aspect_up_to_720p_and_never_upscales(source, video):
    assert video_size(*source) == video
    assert abs(video[0] / video[1] - source[0] / source[1]) < 0.02 * source[0] / source[1]
