"""The bad-input matrix: each odd file is either converted into something fal accepts,
or refused with a sentence naming the problem and the limit while fal sees nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from tests.fakes import crafted
from tests.fakes.media import ffmpeg_convert, portrait, probe_seconds, tone_wav
from tests.helpers import PRO

FAL_AUDIO = {".mp3", ".ogg", ".wav", ".m4a", ".aac"}
FAL_IMAGE = {".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif"}


def _bytes(name: str, data: bytes):
    def make(d: Path) -> Path:
        (d / name).write_bytes(data)
        return d / name

    return make


def _truncated_mp3(d: Path) -> Path:
    full = ffmpeg_convert(tone_wav(d / "t.wav", 6.0), d / "full.mp3", "-b:a", "64k")
    data = full.read_bytes()
    (d / "cut.mp3").write_bytes(data[: len(data) // 2])
    return d / "cut.mp3"


def _silence(d: Path) -> Path:
    return ffmpeg_convert(tone_wav(d / "t.wav", 3.0), d / "silent.wav", "-af", "volume=0")


def _big_wav(d: Path) -> Path:
    return tone_wav(d / "big.wav", 35.0, channels=2)  # 6.2 MB of WAV, ~0.3 MB as MP3


AUDIO_CASES = [
    # (name, maker, refusal regex or None when it must be converted/accepted)
    ("empty file", _bytes("empty.mp3", b""), "audio file is empty"),
    ("text named .mp3", _bytes("notes.mp3", b"not audio at all\n" * 64), "could not be read"),
    ("1 s", lambda d: tone_wav(d / "one.wav", 1.0), r"too short: 1\.0 s\. Kling needs at least 2 s"),
    ("301 s", lambda d: tone_wav(d / "long.wav", 301.0, rate=8000), r"too long: 301\.0 s\. The limit is 300 s"),
    ("pure silence", _silence, "audio is silent"),
    ("truncated mp3", _truncated_mp3, None),
    ("over 5 MB wav", _big_wav, None),
    ("8 kHz mono", lambda d: tone_wav(d / "phone.wav", 3.0, rate=8000), None),
    (
        "96 kHz stereo float",
        lambda d: ffmpeg_convert(
            tone_wav(d / "t.wav", 3.0), d / "f.wav", "-ar", "96000", "-ac", "2", "-c:a", "pcm_f32le"
        ),
        None,
    ),
    ("webm opus", lambda d: ffmpeg_convert(tone_wav(d / "t.wav", 3.0), d / "rec.webm", "-c:a", "libopus"), None),
    ("m4a", lambda d: ffmpeg_convert(tone_wav(d / "t.wav", 3.0), d / "v.m4a"), None),
    ("flac", lambda d: ffmpeg_convert(tone_wav(d / "t.wav", 3.0), d / "v.flac"), None),
    # Crafted: refused from the header, or by the decoded length, which is capped at the limit + 1 s.
    ("8-ch 384 kHz FLAC", lambda d: crafted.surround_flac(d / "s.flac", seconds=3), "sample rate is too high: 384,000"),
    ("FLAC header claims 5 of 400 s", lambda d: crafted.understated_flac(d / "u.flac", 400.0), r"too long: 301\.0 s"),
    ("WAV header claims 30 of 1 s", lambda d: crafted.overstated_wav(d / "o.wav"), r"too short: 1\.0 s"),
]


def _noise_png(d: Path) -> Path:
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (2600, 2000, 3), dtype=np.uint8)).save(d / "noise.png")
    assert (d / "noise.png").stat().st_size > 10_000_000
    return d / "noise.png"


def _exif_rotated(d: Path) -> Path:
    image = Image.open(portrait(d / "p.png", size=(400, 600))).convert("RGB")
    exif = image.getexif()
    exif[0x0112] = 6
    image.save(d / "rotated.jpg", exif=exif)
    return d / "rotated.jpg"


def _sixteen_bit(d: Path) -> Path:
    ramp = np.tile(np.linspace(0, 65535, 400, dtype=np.uint16), (500, 1))
    Image.fromarray(ramp, mode="I;16").save(d / "deep.png")
    return d / "deep.png"


def _transparent(d: Path) -> Path:
    face = Image.open(portrait(d / "p.png")).convert("RGBA")
    face.putalpha(Image.eval(face.convert("L"), lambda v: 0 if v > 220 else 255))
    face.save(d / "cutout.png")
    return d / "cutout.png"


def _animated_gif(d: Path) -> Path:
    frames = [Image.open(portrait(d / f"f{i}.png", size=(400, 500))) for i in range(3)]
    for i, frame in enumerate(frames):
        frame.paste((200, 60, 60), (150, 330, 250, 340 + 20 * i))  # the mouth opens
    frames = [frame.convert("P") for frame in frames]
    frames[0].save(d / "anim.gif", save_all=True, append_images=frames[1:], duration=100, loop=0)
    return d / "anim.gif"


IMAGE_CASES = [
    (
        "200×200",
        lambda d: portrait(d / "s.png", size=(200, 200)),
        r"too small: 200×200 px\. Each side must be at least 300 px",
    ),
    ("3000×400", lambda d: portrait(d / "w.png", size=(3000, 400)), r"too wide: 3000×400 px .*between 0\.4 and 2\.5"),
    ("text named .png", _bytes("fake.png", b"<html>not an image</html>"), "image could not be read"),
    ("over 10 MB", _noise_png, None),
    ("CMYK JPEG", lambda d: portrait(d / "c.jpg", mode="CMYK"), None),
    ("EXIF-rotated JPEG", _exif_rotated, None),
    ("16-bit PNG", _sixteen_bit, None),
    ("grayscale", lambda d: portrait(d / "g.png", mode="L"), None),
    ("transparent PNG", _transparent, None),
    ("animated GIF", _animated_gif, None),
    ("WebP", lambda d: portrait(d / "p.webp"), None),
    # Crafted: refused from the header, before a pixel is decoded.
    ("13000² 16-bit PNG", lambda d: crafted.deep_png(d / "deep.png"), r"too large: 13000×13000 px"),
    ("30000² PNG", lambda d: crafted.bomb_png(d / "bomb.png"), r"too large: over 89,478,485 pixels"),
]


def run(client, image: Path, audio: Path, prompt: str = ".", skip_face_check: bool = False):
    """`skip_face_check` for the synthetic portraits these tests convert, which no face detector would vouch for."""
    return client.predict(
        image=handle_file(str(image)),
        audio=handle_file(str(audio)),
        prompt=prompt,
        model=PRO,
        fal_key="",
        skip_face_check=skip_face_check,
        api_name="/generate",
    )


def assert_served(client, media):
    video, _, _record = run(client, media / "face.png", media / "speech.wav")
    assert video.endswith(".mp4")


def uploaded(fal, argument: str) -> Path:
    return fal.files[fal.submits()[0].arguments[argument].rsplit("/", 1)[1]]


@pytest.mark.parametrize("name, make, refusal", AUDIO_CASES, ids=[c[0] for c in AUDIO_CASES])
def test_audio_matrix(client, media, fal, tmp_path, name, make, refusal):
    audio = make(tmp_path)
    if refusal:
        with pytest.raises(AppError, match=refusal):
            run(client, media / "face.png", audio)
        assert fal.seen == [], "a refused input reached fal"
    else:
        video, _, _record = run(client, media / "face.png", audio)
        sent = uploaded(fal, "audio_url")
        assert sent.suffix in FAL_AUDIO and sent.stat().st_size <= 5_000_000
        assert abs(probe_seconds(Path(video)) - probe_seconds(sent)) < 0.3
        fal.reset()
    assert_served(client, media)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow's, before our refusal
@pytest.mark.parametrize("name, make, refusal", IMAGE_CASES, ids=[c[0] for c in IMAGE_CASES])
def test_image_matrix(client, media, fal, tmp_path, name, make, refusal):
    image = make(tmp_path)
    if refusal:
        with pytest.raises(AppError, match=refusal):
            run(client, image, media / "speech.wav", skip_face_check=True)
        assert fal.seen == [], "a refused input reached fal"
    else:
        run(client, image, media / "speech.wav", skip_face_check=True)
        sent = uploaded(fal, "image_url")
        assert sent.suffix in FAL_IMAGE and sent.stat().st_size <= 10_000_000
        with Image.open(sent) as out:
            assert out.mode in {"RGB", "RGBA", "L", "P"}
            assert min(out.size) >= 300
        fal.reset()
    assert_served(client, media)


def test_exif_rotation_reaches_fal_upright(client, media, fal, tmp_path):
    run(client, _exif_rotated(tmp_path), media / "speech.wav", skip_face_check=True)
    with Image.open(uploaded(fal, "image_url")) as sent:
        assert sent.size == (600, 400)


def test_long_prompt_is_refused_and_emoji_prompt_is_sent(client, media, fal):
    with pytest.raises(AppError, match="prompt is too long: 3,000 characters. The limit is 2,500"):
        run(client, media / "face.png", media / "speech.wav", prompt="a" * 3000)
    assert fal.seen == []
    run(client, media / "face.png", media / "speech.wav", prompt="She smiles warmly 😀🎉")
    assert fal.submits()[0].arguments["prompt"] == "She smiles warmly 😀🎉"


def test_a_portrait_without_a_face_is_refused_before_fal_unless_the_visitor_goes_ahead(client, fal, media, tmp_path):
    blank = tmp_path / "wall.png"
    Image.new("RGB", (640, 800), (200, 190, 180)).save(blank)
    with pytest.raises(AppError, match=r"No face was found in this portrait.*skip_face_check=true"):
        run(client, blank, media / "speech.wav")
    assert fal.seen == []
    video, status, _record = run(client, blank, media / "speech.wav", skip_face_check=True)
    assert video.endswith(".mp4") and len(fal.submits()) == 1


def test_a_too_wide_portrait_with_a_face_is_cropped_around_it_and_sent(client, fal, media, tmp_path):
    face = Image.open(media / "face.png").convert("RGB")
    wide = Image.new("RGB", (face.width * 4, face.height), (230, 230, 230))
    wide.paste(face, (face.width * 3, 0))  # the face near the right edge, aspect 4 × the portrait's
    wide.save(tmp_path / "wide.png")
    video, status, _record = run(client, tmp_path / "wide.png", media / "speech.wav")
    sent = fal.files[fal.submits()[0].arguments["image_url"].rsplit("/", 1)[1]]
    with Image.open(sent) as cropped:
        assert 0.4 <= cropped.width / cropped.height <= 2.5
    assert "cropped" in status.lower() or "crop" in status.lower()
