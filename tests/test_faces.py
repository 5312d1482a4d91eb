"""The face check before paying, on the app's own example portraits and images composed from them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from components.config.settings import load_settings
from components.errors import InputRejected
from components.inputs import faces
from components.inputs import image as image_module
from components.inputs.faces import Face, check_portrait, crop_to_aspect, find_faces
from components.inputs.portrait import prepare_portrait

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# Kling's limits as the brief states them, whatever space.yaml says today.
LIMITS = replace(load_settings().models[0].limits.image, min_side_px=300, min_aspect=0.4, max_aspect=2.5)


def example(name: str) -> Image.Image:
    with Image.open(EXAMPLES / name) as image:
        return image.convert("RGB")


def scaled(image: Image.Image, factor: float) -> Image.Image:
    return image.resize((round(image.width * factor), round(image.height * factor)), Image.Resampling.LANCZOS)


def column_coded(width: int, height: int) -> Image.Image:
    """A canvas whose pixel colour encodes its column (R = x % 256, G = x // 256): a crop tells where it was cut."""
    x = np.arange(width)
    row = np.stack([x % 256, x // 256, np.full(width, 128)], axis=-1).astype(np.uint8)
    return Image.fromarray(np.repeat(row[None], height, axis=0))


def column_of(pixel: tuple[int, int, int]) -> int:
    return pixel[0] + 256 * pixel[1]


def contains(outer: tuple[int, int, int, int], inner: tuple[int, int, int, int]) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[0] + inner[2] <= outer[0] + outer[2]
        and inner[1] + inner[3] <= outer[1] + outer[3]
    )


def centre_inside(face: Face, box: tuple[int, int, int, int]) -> bool:
    x, y = face.box[0] + face.box[2] / 2, face.box[1] + face.box[3] / 2
    return box[0] <= x <= box[0] + box[2] and box[1] <= y <= box[1] + box[3]


# The drawn faces in examples/ (scripts/make_examples.py): person's face ellipse, cat's head circle.
PERSON_FACE = (214, 170, 340, 520)
CAT_HEAD = (160, 200, 480, 480)


@pytest.mark.parametrize(
    ("name", "kind", "drawn"), [("person.png", "human", PERSON_FACE), ("cat.png", "cat", CAT_HEAD)]
)
def test_finds_the_face_in_each_example(name, kind, drawn):
    faces = find_faces(example(name))
    assert len(faces) == 1
    assert faces[0].kind == kind
    assert centre_inside(faces[0], drawn)
    check = check_portrait(EXAMPLES / name, LIMITS)
    assert check.chosen == faces[0]
    assert check.cropped is None  # both examples are within the aspect limits
    assert check.message.startswith(f"A {'cat face' if kind == 'cat' else 'face'} was found")


def test_no_face_in_a_gradient_or_noise(tmp_path):
    x = np.linspace(0, 255, 1200)
    gradient = Image.fromarray(np.repeat(np.stack([x, x[::-1], x / 2], axis=-1)[None], 900, axis=0).astype(np.uint8))
    noise = Image.fromarray(np.random.default_rng(7).integers(0, 256, (900, 1200, 3), dtype=np.uint8))
    assert find_faces(gradient) == []
    assert find_faces(noise) == []
    gradient.save(tmp_path / "gradient.png")
    check = check_portrait(tmp_path / "gradient.png", LIMITS)
    assert (check.faces, check.chosen, check.cropped) == ((), None, None)
    assert check.message.startswith("No face was found in this portrait. Kling refuses images without a clear face")


def test_a_transparent_cutout_is_read_as_kling_gets_it():
    """RGBA with black under the transparent pixels (as editors store them): flattened on white first."""
    pixels = np.asarray(example("person.png").convert("RGBA")).copy()
    pixels[np.asarray(example("person.png").convert("L")) > 215] = 0  # background and eye whites cut out
    assert [face.kind for face in find_faces(Image.fromarray(pixels, "RGBA"))] == ["human"]


def test_the_larger_of_two_faces_is_chosen_and_named(tmp_path):
    canvas = Image.new("RGB", (1800, 1000), (214, 228, 240))
    canvas.paste(scaled(example("person.png"), 0.45), (100, 300))  # small, left
    canvas.paste(example("person.png"), (900, 20))  # full size, right
    canvas.save(tmp_path / "two.png")
    check = check_portrait(tmp_path / "two.png", LIMITS)
    assert len(check.faces) == 2
    assert check.chosen == check.faces[0]
    assert check.chosen.box[2] > check.faces[1].box[2]
    assert centre_inside(check.chosen, (900 + PERSON_FACE[0], 20 + PERSON_FACE[1], *PERSON_FACE[2:]))
    assert check.message.startswith("2 faces found; Kling will likely animate the largest (right,")


@pytest.mark.parametrize("face_left", [1000, 2500])  # centred on the face; clamped at the right edge
def test_a_too_wide_image_is_cropped_around_the_face(tmp_path, face_left):
    canvas = column_coded(3000, 600)  # aspect 5
    canvas.paste(scaled(example("person.png"), 0.6), (face_left, 24))  # 461×576, below the coded top rows
    canvas.save(tmp_path / "wide.png")
    check = check_portrait(tmp_path / "wide.png", LIMITS)
    assert check.chosen is not None and check.cropped is not None
    crop = check.cropped
    assert LIMITS.min_aspect <= crop.width / crop.height <= LIMITS.max_aspect
    assert min(crop.size) >= LIMITS.min_side_px
    assert crop.size == (1500, 600)  # the largest: the full height at aspect 2.5
    left = column_of(crop.getpixel((0, 0)))
    assert column_of(crop.getpixel((crop.width - 1, 0))) == left + crop.width - 1
    assert contains((left, 0, crop.width, crop.height), check.chosen.box)
    face_centre = check.chosen.box[0] + check.chosen.box[2] / 2
    assert left == min(round(face_centre - crop.width / 2), 3000 - crop.width)
    assert "can be cropped to 1500×600 px" in check.message


def test_a_too_tall_image_is_cropped_to_the_narrowest_aspect():
    image = Image.new("RGB", (600, 3000))
    face = Face((100, 2700, 200, 200), "human")  # near the bottom: the crop stops at the edge
    crop = crop_to_aspect(image, face, 0.4, 2.5, 300)
    assert crop is not None and crop.size == (600, 1500)


def test_no_crop_when_a_side_would_be_too_short():
    image = Image.new("RGB", (3000, 250))
    assert crop_to_aspect(image, Face((100, 20, 200, 200), "human"), 0.4, 2.5, 300) is None


def test_an_image_within_the_limits_is_its_own_largest_crop():
    image = Image.new("RGB", (800, 600))
    crop = crop_to_aspect(image, Face((10, 10, 100, 100), "cat"), 0.4, 2.5, 300)
    assert crop is not None and crop.size == image.size


def phone_jpeg(path: Path, upright: Image.Image, seed: int) -> Path:
    """As a phone saves it: sensor noise, JPEG q92, stored sideways with EXIF Orientation 6."""
    noise = np.random.default_rng(seed).normal(0, 6, (upright.height, upright.width, 3)).astype(np.float32)
    noisy = Image.fromarray(np.clip(np.asarray(upright, np.float32) + noise, 0, 255).astype(np.uint8))
    exif = Image.Exif()
    exif[0x0112] = 6
    noisy.transpose(Image.Transpose.ROTATE_90).save(path, "JPEG", quality=92, exif=exif)
    return path


def test_a_12_megapixel_photo_is_checked_on_a_small_copy_with_boxes_in_its_own_pixels(tmp_path):
    frame = Image.new("RGB", (3000, 4000), example("person.png").getpixel((5, 5)))
    frame.paste(example("person.png").resize((3000, 3750), Image.Resampling.BICUBIC), (0, 250))
    photo = phone_jpeg(tmp_path / "photo.jpg", frame, seed=1)
    drawn = (PERSON_FACE[0] * 3000 / 768, 250 + PERSON_FACE[1] * 3750 / 960, 340 * 3000 / 768, 520 * 3750 / 960)
    check = check_portrait(photo, LIMITS)  # the original, turned upright as Kling would see it
    assert [face.kind for face in check.faces] == ["human"] and centre_inside(check.chosen, drawn)
    (tmp_path / "work").mkdir()
    sent, note = prepare_portrait(photo, LIMITS, tmp_path / "work", skip_face_check=False)
    assert note is None  # one face: nothing to say
    with Image.open(sent) as image:
        assert image.size == (1500, 2000)  # libjpeg's half-scale decode: within 5% under the 2048 px sent
    check = check_portrait(sent, LIMITS)
    assert len(check.faces) == 1 and centre_inside(check.chosen, tuple(v * 1500 / 3000 for v in drawn))


def test_a_12_megapixel_photo_without_a_face_is_still_refused(tmp_path):
    y, x = np.mgrid[0:3000, 0:4000].astype(np.float32)
    sky = Image.fromarray(np.stack([120 + y / 40, 150 + x / 70, 200 - y / 80], axis=-1).astype(np.uint8))
    photo = phone_jpeg(tmp_path / "sky.jpg", sky, seed=2)
    (tmp_path / "work").mkdir()
    with pytest.raises(InputRejected, match=r"^No face was found in this portrait\..*skip_face_check=true"):
        prepare_portrait(photo, LIMITS, tmp_path / "work", skip_face_check=False)
    sent, note = prepare_portrait(photo, LIMITS, tmp_path / "work", skip_face_check=True)
    with Image.open(sent) as image:
        assert note is None and image.size == (2000, 1500)  # upright, as Kling gets it


def test_the_face_check_looks_at_a_copy_made_from_the_portraits_own_decode(tmp_path, monkeypatch):
    """One decode, one small copy of it, one look; the file is not opened again for the check."""
    looked, decodes, reopened = [], [], []
    real_look, real_load, real_copy_of = faces._look, image_module._load, faces.small_copy_of
    monkeypatch.setattr(faces, "_look", lambda small: looked.append(small.size) or real_look(small))
    monkeypatch.setattr(image_module, "_load", lambda *args: decodes.append(1) or real_load(*args))
    monkeypatch.setattr(faces, "small_copy_of", lambda *args: reopened.append(1) or real_copy_of(*args))
    for name in ("person.png", "cat.png"):
        example(name).save(tmp_path / name)
        (tmp_path / name.replace(".", "-")).mkdir()
        prepare_portrait(tmp_path / name, LIMITS, tmp_path / name.replace(".", "-"), skip_face_check=False)
    assert len(looked) == len(decodes) == 2 and reopened == []
