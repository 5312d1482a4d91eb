"""Audio and image checks and conversions, on files made by the tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from components.config.settings import load_settings
from components.errors import InputRejected
from components.inputs import audio
from components.inputs.audio import prepare_audio, probe_audio
from components.inputs.image import prepare_image
from components.inputs.jobs import check_prompt
from tests.fakes.media import ffmpeg_convert, portrait, probe_seconds, tone_wav

LIMITS = load_settings().model("fal-ai/kling-video/ai-avatar/v2/pro").limits


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


# ---- audio ---------------------------------------------------------------------------


def test_probe_reads_duration_from_the_header(tmp_path):
    info = probe_audio(tone_wav(tmp_path / "a.wav", 4.25))
    assert info.seconds == pytest.approx(4.25, abs=0.01)
    assert info.container == "wav"


@pytest.mark.parametrize("suffix", [".wav", ".aiff"])
def test_recordings_that_are_always_converted_are_decoded_without_a_child_process(tmp_path, work, monkeypatch, suffix):
    source = tone_wav(tmp_path / "mic.wav", 4.0, rate=48000, channels=2)
    source = source if suffix == ".wav" else ffmpeg_convert(source, tmp_path / f"mic{suffix}")

    def no_process(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a child process was started")

    monkeypatch.setattr(audio.subprocess, "run", no_process)
    prepared = prepare_audio(source, LIMITS.audio, work)
    monkeypatch.undo()
    assert prepared.path.suffix == ".mp3" and probe_seconds(prepared.path) == pytest.approx(4.0, abs=0.1)


def test_an_mp3_whose_header_understates_its_length_is_still_decoded_whole(tmp_path, work):
    """libsndfile trusts an MP3's Xing frame count; ffmpeg decodes every frame, so the length check holds."""
    mp3 = ffmpeg_convert(tone_wav(tmp_path / "a.wav", 20.0, rate=24000), tmp_path / "a.mp3", "-b:a", "64k")
    data = bytearray(mp3.read_bytes())
    tag = data.find(b"Info") if b"Info" in data[:4096] else data.find(b"Xing")
    frames = int.from_bytes(data[tag + 8 : tag + 12], "big")
    data[tag + 8 : tag + 12] = (frames // 4).to_bytes(4, "big")  # the header now says 5 s
    mp3.write_bytes(bytes(data))
    assert probe_audio(mp3).seconds < 6
    assert prepare_audio(mp3, LIMITS.audio, work).seconds == pytest.approx(20.0, abs=0.2)


def test_microphone_wav_is_reencoded_to_a_tenth(tmp_path, work):
    wav = tone_wav(tmp_path / "mic.wav", 10.0)
    prepared = prepare_audio(wav, LIMITS.audio, work)
    assert prepared.path.suffix == ".mp3"
    assert prepared.size_bytes <= wav.stat().st_size / 10
    assert probe_seconds(prepared.path) == pytest.approx(10.0, abs=0.1)


@pytest.mark.parametrize("suffix, args", [(".flac", []), (".webm", ["-c:a", "libopus"])])
def test_formats_fal_refuses_are_converted(tmp_path, work, suffix, args):
    source = ffmpeg_convert(tone_wav(tmp_path / "a.wav", 3.0), tmp_path / f"a{suffix}", *args)
    prepared = prepare_audio(source, LIMITS.audio, work)
    assert prepared.container == "mp3"
    assert prepared.seconds == pytest.approx(3.0, abs=0.1)


def test_float_96k_stereo_wav_is_converted(tmp_path, work):
    source = ffmpeg_convert(
        tone_wav(tmp_path / "a.wav", 3.0), tmp_path / "f.wav", "-ar", "96000", "-ac", "2", "-c:a", "pcm_f32le"
    )
    prepared = prepare_audio(source, LIMITS.audio, work)
    assert prepared.container == "mp3"
    assert prepared.seconds == pytest.approx(3.0, abs=0.1)


@pytest.mark.parametrize("suffix", [".mp3", ".m4a"])
def test_accepted_compact_formats_are_sent_unchanged(tmp_path, work, suffix):
    source = ffmpeg_convert(tone_wav(tmp_path / "a.wav", 3.0), tmp_path / f"a{suffix}")
    prepared = prepare_audio(source, LIMITS.audio, work)
    assert prepared.path == source


def test_misnamed_audio_gets_a_name_matching_its_content(tmp_path, work):
    source = ffmpeg_convert(tone_wav(tmp_path / "a.wav", 3.0), tmp_path / "a.mp3")
    misnamed = source.rename(tmp_path / "voice.ogg")
    prepared = prepare_audio(misnamed, LIMITS.audio, work)
    assert prepared.path.suffix == ".mp3"


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: tone_wav(d / "a.wav", 1.0), r"too short: 1\.0 s\. Kling needs at least 2 s"),
        (lambda d: tone_wav(d / "a.wav", 301.0, rate=8000), r"too long: 301\.0 s\. The limit is 300 s"),
        (lambda d: _write(d / "empty.mp3", b""), "audio file is empty"),
        (lambda d: _write(d / "notes.mp3", b"this is not audio\n" * 50), "could not be read"),
    ],
)
def test_bad_audio_is_refused_with_the_limit(tmp_path, work, make, message):
    with pytest.raises(InputRejected, match=message):
        prepare_audio(make(tmp_path), LIMITS.audio, work)


# ---- images --------------------------------------------------------------------------


def test_plain_png_is_sent_unchanged(tmp_path, work):
    source = portrait(tmp_path / "face.png")
    prepared = prepare_image(source, LIMITS.image, work)
    assert prepared.path == source and not prepared.converted


def test_cmyk_jpeg_becomes_rgb(tmp_path, work):
    prepared = prepare_image(portrait(tmp_path / "c.jpg", mode="CMYK"), LIMITS.image, work)
    assert prepared.converted
    assert Image.open(prepared.path).mode == "RGB"


def test_exif_rotated_jpeg_is_made_upright(tmp_path, work):
    source = tmp_path / "rotated.jpg"
    image = Image.open(portrait(tmp_path / "p.png", size=(400, 600)))
    exif = image.getexif()
    exif[0x0112] = 6  # stored sideways: viewers rotate it 90°
    image.convert("RGB").save(source, exif=exif)
    prepared = prepare_image(source, LIMITS.image, work)
    with Image.open(prepared.path) as out:
        assert out.size == (600, 400)
        assert out.getexif().get(0x0112, 1) == 1


def test_16_bit_png_is_scaled_to_8_bit(tmp_path, work):
    source = tmp_path / "deep.png"
    ramp = np.tile(np.linspace(0, 65535, 400, dtype=np.uint16), (500, 1))
    Image.fromarray(ramp, mode="I;16").save(source)
    prepared = prepare_image(source, LIMITS.image, work)
    pixels = np.asarray(Image.open(prepared.path).convert("L"))
    assert pixels.max() >= 250 and pixels.min() <= 5  # scaled, not clipped to white


def test_bmp_is_converted_to_jpeg(tmp_path, work):
    prepared = prepare_image(portrait(tmp_path / "p.bmp"), LIMITS.image, work)
    assert prepared.path.suffix == ".jpg"


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda d: portrait(d / "s.png", size=(200, 200)),
            r"too small: 200×200 px\. Each side must be at least 300 px",
        ),
        (lambda d: portrait(d / "w.png", size=(3000, 400)), r"too wide: 3000×400 px .*between 0\.4 and 2\.5"),
        (lambda d: _write(d / "fake.png", b"hello"), "image could not be read"),
        (lambda d: _write(d / "empty.png", b""), "image file is empty"),
    ],
)
def test_bad_images_are_refused_with_the_limit(tmp_path, work, make, message):
    with pytest.raises(InputRejected, match=message):
        prepare_image(make(tmp_path), LIMITS.image, work)


def test_prompt_limit():
    assert check_prompt("", 2500) == "."
    assert check_prompt("😀 smile", 2500) == "😀 smile"
    with pytest.raises(InputRejected, match="too long: 3,000 characters. The limit is 2,500"):
        check_prompt("x" * 3000, 2500)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
