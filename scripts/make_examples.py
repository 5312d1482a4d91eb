"""Makes the example portraits and voices in examples/ — all our own, license-clean.

The portraits are drawn with Pillow; the voices are spoken by espeak-ng (GPL
software; its output is not covered by that licence) and encoded as MP3 with
pydub. Run: .venv/bin/python scripts/make_examples.py
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageDraw
from pydub import AudioSegment

OUT = Path(__file__).resolve().parent.parent / "examples"
VOICES = {
    "hello.mp3": ("en-us", "Hello! I'm your virtual presenter. Give me a voice, and I will say anything you like."),
    "cat.mp3": ("en-gb", "Good afternoon. I am a cat, and I would like to talk about dinner. Right now, please."),
}


def person(path: Path) -> None:
    image = Image.new("RGB", (768, 960), (214, 228, 240))
    draw = ImageDraw.Draw(image)
    draw.rectangle([184, 760, 584, 960], fill=(52, 84, 140))  # shoulders
    draw.rectangle([334, 640, 434, 780], fill=(226, 180, 140))  # neck
    draw.ellipse([214, 170, 554, 690], fill=(236, 192, 152), outline=(120, 80, 50), width=4)  # face
    draw.chord([200, 120, 568, 470], 180, 360, fill=(70, 45, 30))  # hair
    for x in (318, 450):
        draw.ellipse([x - 26, 400, x + 26, 432], fill="white")
        draw.ellipse([x - 12, 404, x + 12, 428], fill=(60, 90, 60))
        draw.line([x - 36, 372, x + 36, 366], fill=(70, 45, 30), width=8)  # brows
    draw.line([384, 440, 372, 520, 396, 524], fill=(190, 140, 110), width=5)  # nose
    draw.arc([314, 540, 454, 620], 15, 165, fill=(160, 50, 60), width=8)  # mouth
    image.save(path, optimize=True)


def cat(path: Path) -> None:
    image = Image.new("RGB", (800, 800), (250, 236, 200))
    draw = ImageDraw.Draw(image)
    orange, dark = (236, 150, 60), (90, 50, 20)
    draw.polygon([(190, 300), (250, 110), (350, 250)], fill=orange, outline=dark)  # ears
    draw.polygon([(610, 300), (550, 110), (450, 250)], fill=orange, outline=dark)
    draw.ellipse([160, 200, 640, 680], fill=orange, outline=dark, width=5)  # head
    for x in (310, 490):
        draw.ellipse([x - 40, 360, x + 40, 440], fill=(250, 250, 210))
        draw.ellipse([x - 12, 365, x + 12, 435], fill=(30, 30, 30))
    draw.polygon([(380, 480), (420, 480), (400, 505)], fill=(220, 100, 120))  # nose
    draw.arc([340, 490, 400, 550], 0, 180, fill=dark, width=5)
    draw.arc([400, 490, 460, 550], 0, 180, fill=dark, width=5)
    for y in (500, 530):
        draw.line([150, y - 20, 320, y], fill=dark, width=3)
        draw.line([480, y, 650, y - 20], fill=dark, width=3)
    image.save(path, optimize=True)


def voice(path: Path, accent: str, text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "voice.wav"
        subprocess.run(["espeak-ng", "-v", accent, "-s", "150", "-w", str(wav), text], check=True)
        AudioSegment.from_wav(wav).set_channels(1).export(path, format="mp3", bitrate="64k")


def main() -> None:
    OUT.mkdir(exist_ok=True)
    person(OUT / "person.png")
    cat(OUT / "cat.png")
    for name, (accent, text) in VOICES.items():
        voice(OUT / name, accent, text)


if __name__ == "__main__":
    main()
