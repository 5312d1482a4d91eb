"""Crafted inputs a public app must survive, through prepare_image / prepare_audio: each is refused
with a sentence from its header, or decoded within a bound whatever its header claims."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from components.config.settings import load_settings
from components.errors import InputRejected
from components.inputs.audio import prepare_audio
from components.inputs.image import prepare_image
from components.inputs.jobs import quote
from components.inputs.pixels import reduce_in_bands
from tests.fakes import crafted
from tests.fakes.media import ffmpeg_convert, portrait, tone_wav

PRO = load_settings().model("fal-ai/kling-video/ai-avatar/v2/pro")
LIMITS = PRO.limits


@pytest.fixture
def work(tmp_path: Path) -> Path:
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


@pytest.fixture(scope="module")
def deep_png(tmp_path_factory) -> Path:
    return crafted.deep_png(tmp_path_factory.mktemp("crafted") / "deep.png")


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_too_many_pixels_are_refused_from_the_header(deep_png, tmp_path, work):
    with pytest.raises(
        InputRejected, match=r"too large: 13000×13000 px \(169,000,000 pixels\)\. The limit is 40,000,000"
    ):
        prepare_image(deep_png, LIMITS.image, work)
    with pytest.raises(InputRejected, match=r"too large: over 89,478,485 pixels\. The limit is 40,000,000 pixels"):
        prepare_image(crafted.bomb_png(tmp_path / "bomb.png"), LIMITS.image, work)  # Pillow's own guard


@pytest.mark.filterwarnings("error::PIL.Image.DecompressionBombWarning")
def test_pillows_bomb_warning_raised_as_an_error_is_a_sentence(deep_png, work):
    with pytest.raises(InputRejected, match=r"too large: over 89,478,485 pixels"):
        prepare_image(deep_png, LIMITS.image, work)


@pytest.mark.parametrize(
    "name, size, orientation, sent",
    [("big.png", (3000, 4000), 1, (1536, 2048)), ("big.jpg", (2400, 3600), 6, (2048, 1365))],
)
def test_a_big_portrait_is_scaled_down_and_sent_upright_as_jpeg(tmp_path, work, name, size, orientation, sent):
    image = Image.open(portrait(tmp_path / "p.png", size=size))
    exif = image.getexif()
    exif[0x0112] = orientation
    image.save(tmp_path / name, exif=exif)
    prepared = prepare_image(tmp_path / name, LIMITS.image, work)
    with Image.open(prepared.path) as out:
        assert (prepared.path.suffix, out.size, out.getexif().get(0x0112, 1)) == (".jpg", sent, 1)


def test_a_big_16_bit_png_is_scaled_then_shifted_to_8_bit(tmp_path, work):
    ramp = np.tile(np.linspace(0, 65535, 2400, dtype=np.uint16), (3000, 1))
    Image.fromarray(ramp).save(tmp_path / "deep.png")
    prepared = prepare_image(tmp_path / "deep.png", LIMITS.image, work)
    pixels = np.asarray(Image.open(prepared.path).convert("L"))
    assert pixels.shape == (2048, 1638) and pixels.max() >= 250 and pixels.min() <= 5


def test_geometry_is_checked_on_the_original_size(tmp_path, work):
    with pytest.raises(InputRejected, match=r"too wide: 8000×800 px"):
        prepare_image(portrait(tmp_path / "w.jpg", size=(8000, 800)), LIMITS.image, work)


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda d: crafted.surround_flac(d / "s.flac", seconds=3),
            r"sample rate is too high: 384,000 Hz\. The limit is 192,000",
        ),
        (lambda d: tone_wav(d / "c.wav", 3.0, rate=8000, channels=12), r"too many channels: 12\. The limit is 8"),
        (lambda d: crafted.understated_flac(d / "u.flac", 400.0), r"too long: 301\.0 s\. The limit is 300 s"),
        (lambda d: crafted.overstated_wav(d / "o.wav"), r"too short: 1\.0 s\. Kling needs at least 2 s"),
    ],
    ids=["8ch 384 kHz", "12 channels", "header claims 5 of 400 s", "header claims 30 of 1 s"],
)
def test_crafted_audio_is_refused_with_a_sentence(tmp_path, work, make, message):
    with pytest.raises(InputRejected, match=message):
        prepare_audio(make(tmp_path), LIMITS.audio, work)


def test_the_live_quote_names_a_header_that_asks_too_much(tmp_path):
    assert "sample rate is too high" in quote(crafted.surround_flac(tmp_path / "s.flac", seconds=3), PRO).problem


def test_a_heavy_clip_within_the_limits_decodes_straight_to_24_khz_mono(tmp_path, work):
    prepared = prepare_audio(crafted.surround_flac(tmp_path / "s.flac", rate=192000, silent=False), LIMITS.audio, work)
    assert prepared.container == "mp3" and prepared.seconds == pytest.approx(59.0, abs=0.1)


@pytest.mark.parametrize("mode, factor", [("RGBA", 2), ("RGB", 3), ("L", 5)])
def test_band_by_band_reduction_matches_pillows_whole_image_reduce(mode, factor):
    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 255, (1301, 997, len(mode)), dtype=np.uint8).squeeze()).convert(mode)
    assert np.array_equal(np.asarray(reduce_in_bands(image, factor)), np.asarray(image.reduce(factor)))


def test_a_playlist_cannot_pull_in_another_file_as_the_voice(tmp_path, work):
    other = ffmpeg_convert(tone_wav(tmp_path / "other.wav", 5.0), tmp_path / "other.ts", "-c:a", "aac")
    playlist = tmp_path / "voice.mp3"
    playlist.write_text(f"#EXTM3U\n#EXT-X-TARGETDURATION:5\n#EXTINF:5.0,\n{other}\n#EXT-X-ENDLIST\n")
    with pytest.raises(InputRejected, match="could not be read"):
        prepare_audio(playlist, LIMITS.audio, work)


def test_webp_and_avif_may_have_a_third_of_the_pixels(tmp_path, work):
    limits = dataclasses.replace(LIMITS.image, max_pixels=3_000_000)
    for suffix in (".webp", ".png"):
        portrait(tmp_path / f"p{suffix}", size=(1200, 1200))
    with pytest.raises(
        InputRejected, match=r"1200×1200 px \(1,440,000 pixels\)\. The limit is 1,000,000 pixels for WebP"
    ):
        prepare_image(tmp_path / "p.webp", limits, work)
    assert prepare_image(tmp_path / "p.png", limits, work).path == tmp_path / "p.png"
