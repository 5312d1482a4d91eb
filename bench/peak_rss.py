"""Peak memory per input: the app's peak RSS increase while /generate handles one crafted file.

Run: .venv/bin/python -m bench.peak_rss (about two minutes; prints a Markdown table).

Each input gets a fresh keyless app in a child process (`python app.py`), warmed up with the
baseline; every call uses the free Local preview model, so nothing is paid and nothing leaves the
machine. Before the call the kernel's high-water mark is reset (`echo 5 > /proc/<pid>/clear_refs`);
after it, VmHWM − the RSS at the reset is the peak the input cost. ffmpeg's decode runs in a
process of its own, so its RSS is not in the figure.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from bench.processes import served, status_field
from tests.fakes import crafted
from tests.fakes.media import portrait, probe_seconds, speech_wav

PREVIEW = "local/preview"
TARGET_MB = 300
SPEECH = "Hello! I am a talking avatar, made with Kling. This clip is eight seconds of ordinary speech to measure with."


@dataclass(frozen=True)
class Case:
    name: str
    image: Path
    audio: Path
    size_bytes: int  # of the file(s) the row is about


def cases(work: Path) -> list[Case]:
    photo = portrait(work / "photo.jpg", size=(512, 512))
    speech = speech_wav(work / "speech.wav", SPEECH)

    def image(name: str, path: Path) -> Case:
        return Case(name, path, speech, path.stat().st_size)

    def audio(name: str, path: Path) -> Case:
        return Case(name, photo, path, path.stat().st_size)

    both = photo.stat().st_size + speech.stat().st_size

    return [
        Case(f"512×512 photo + {probe_seconds(speech):.1f} s speech (baseline)", photo, speech, both),
        image("13000×13000 16-bit PNG", crafted.deep_png(work / "deep.png")),
        image("30000×30000 1-bit PNG", crafted.bomb_png(work / "bomb.png")),
        image("6000×6000 JPEG (36 Mpx, allowed)", portrait(work / "big.jpg", size=(6000, 6000))),
        image("6300×6300 RGBA PNG (39.7 Mpx, allowed)", _rgba_png(work / "big-rgba.png", 6300)),
        image("3650×3650 WebP (13.3 Mpx, allowed)", portrait(work / "big.webp", size=(3650, 3650))),
        audio("8-ch 384 kHz silent FLAC, 59 s", crafted.surround_flac(work / "s59.flac", seconds=59)),
        audio("8-ch 384 kHz silent FLAC, 300 s", crafted.surround_flac(work / "s300.flac", seconds=300)),
        audio(
            "8-ch 192 kHz FLAC, 59 s of tone (allowed)",
            crafted.surround_flac(work / "s192.flac", seconds=59, rate=192000, silent=False),
        ),
        audio("FLAC whose header says 5 s of its 120 s", crafted.understated_flac(work / "under.flac")),
        audio("WAV whose header says 30 s of its 1 s", crafted.overstated_wav(work / "over.wav")),
    ]


def _rgba_png(path: Path, side: int) -> Path:
    """The largest RGBA portrait max_pixels lets through: its decode is the worst allowed case."""
    face = Image.open(portrait(path.with_suffix(".src.png"), size=(side, side))).convert("RGBA")
    face.putalpha(255)
    face.save(path, compress_level=1)
    return path


def measure(client: Client, pid: int, case: Case) -> tuple[float, str]:
    """Peak RSS increase (MB) over one /generate call, and what the app answered."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")  # VmHWM := VmRSS
    before = status_field(pid, "VmRSS")
    try:
        client.predict(
            handle_file(str(case.image)), handle_file(str(case.audio)), ".", PREVIEW, "", api_name="/generate"
        )
        outcome = "accepted"
    except AppError as exc:
        outcome = f"refused: {str(exc).split('. ')[0]}"
    return (status_field(pid, "VmHWM") - before) / 1024, outcome


def measured(case: Case, warm_up: Case) -> tuple[float, str]:
    """A fresh app per input, so memory an earlier input freed (but the allocator kept) cannot hide a peak."""
    with served("app.py", FAL_KEY="") as (proc, url, _):
        client = Client(url, verbose=False)
        for _ in range(2):  # lazy imports and the first preview render are not an input's cost
            measure(client, proc.pid, warm_up)
        return measure(client, proc.pid, case)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows = cases(Path(tmp))
        results = [(case, *measured(case, rows[0])) for case in rows]
    print("| Input | Bytes | Outcome | Peak RSS increase (MB) | Target | Met |")
    print("|---|---|---|---|---|---|")
    for case, peak, outcome in results:
        met = "yes" if peak <= TARGET_MB else "**no**"
        print(f"| {case.name} | {case.size_bytes:,} | {outcome} | {peak:.1f} | ≤ {TARGET_MB} MB | {met} |")


if __name__ == "__main__":
    main()
