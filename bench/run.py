"""The benchmark: the app against the tests' fake fal, each figure beside a baseline
measured in the same run. Run: scripts/bench.sh (prints a Markdown table)."""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from pydub import AudioSegment

from bench.gradio_http import arguments, call, upload
from bench.processes import cpu_seconds, fake_fal, served, status_field
from bench.profile import biggest_item
from bench.startup_rows import microphone_row, startup_rows
from bench.table import Row, print_table
from components.config.settings import load_settings
from tests.fakes.media import ffmpeg_convert, portrait, speech_wav, tone_wav

PRO = "fal-ai/kling-video/ai-avatar/v2/pro"
KEY = "bench-key"
JOB_SECONDS = 5.0  # the fake's fixed job: 1 s queued + 4 s generating


def median_seconds(action: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def estimate_rows(work: Path) -> list[Row]:
    """Both servers up at once and called in turn, so drift on the machine hits both alike."""
    wav = tone_wav(work / "five-minutes.wav", 300.0)
    mp3 = ffmpeg_convert(wav, work / "five-minutes.mp3", "-b:a", "128k")
    rows = []
    with served("app.py") as (_, ours, _), served("bench/bare_app.py") as (_, bare, _):
        for audio in (mp3, wav):
            payloads = {url: upload(url, audio) for url in (ours, bare)}
            samples: dict[str, list[float]] = {ours: [], bare: []}
            for _ in range(41):
                for url in (ours, bare):
                    started = time.perf_counter()
                    call(url, "estimate_cost", [payloads[url], PRO])
                    samples[url].append(time.perf_counter() - started)
            added = max(0.0, statistics.median(samples[ours][1:]) - statistics.median(samples[bare][1:]))
            decode = median_seconds(lambda clip=audio: AudioSegment.from_file(clip), 5)
            rows.append(
                Row(
                    f"Estimate, 5-min {audio.suffix[1:].upper()}: time added over a bare round trip (s)",
                    added,
                    decode,
                    "≤ 1/20 of a pydub decode",
                    added <= decode / 20,
                    baseline_note="pydub full decode",
                )
            )
    return rows


def generation_rows(work: Path) -> list[Row]:
    face = portrait(work / "face.png")
    voice = speech_wav(work / "speech.wav")
    fixed = ffmpeg_convert(
        voice, work / "fixed.mp4", "-f", "lavfi", "-i", "color=c=gray:s=160x160:r=10", "-t", "5", "-shortest"
    )
    settings = load_settings()
    interval = settings.jobs.poll_interval_seconds
    env = {"FAKE_QUEUE_SECONDS": "1", "FAKE_RUN_SECONDS": str(JOB_SECONDS - 1), "FAKE_FIXED_VIDEO": str(fixed)}
    with (
        fake_fal(**env) as fal_url,
        served("tests/fakes/app_on_fake.py", BENCH_FAL_URL=fal_url, FAL_KEY=KEY) as (proc, url, _),
    ):
        inputs = {"image": upload(url, face), "audio": upload(url, voice), "model": PRO}
        counter = iter(range(10_000))

        def generate() -> float:
            started = time.perf_counter()
            call(url, "generate", arguments(url, "generate", **inputs, prompt=f"bench run {next(counter)}"))
            return time.perf_counter() - started

        generate()  # warm-up
        single = statistics.median(generate() for _ in range(3))
        idle_threads = status_field(proc.pid, "Threads")
        cpu_before = cpu_seconds(proc.pid)
        wall_20, _ = _at_once(generate, 20, proc.pid)
        cpu_per_job = (cpu_seconds(proc.pid) - cpu_before) / 20
        wall_50, peak_threads = _at_once(generate, 50, proc.pid)
        hot, share = biggest_item(proc.pid, lambda: _at_once(generate, 10, proc.pid))
        mic_row = microphone_row(url, fal_url, inputs["image"], work)
        stats = httpx.get(fal_url + "/_fake/stats").json()
    jobs = stats["jobs"][:4]  # the warm-up and the three single runs: nothing else was running
    lag = max(job["completion_lag"] for job in jobs)
    rate = max(job["status_requests"] / (JOB_SECONDS + job["completion_lag"]) for job in jobs)
    overhead = single - JOB_SECONDS - lag
    return [
        mic_row,
        Row(
            "20 generations at once: wall time (s)",
            wall_20,
            single,
            "≤ 1.3 × one generation",
            wall_20 <= 1.3 * single,
            baseline_note="one generation",
        ),
        Row(
            f"50 generations at once: wall time (s); app threads {idle_threads} idle → {peak_threads} peak",
            wall_50,
            single,
            "no thread per waiting job",
            peak_threads - idle_threads < 50,
            baseline_note="one generation",
        ),
        Row(f"App CPU per generation (s); biggest item: {hot} ({share:.0%})", cpu_per_job, None, "small", True),
        Row(
            "Overhead: end-to-end − fake job − poll lag, uploads excluded (s)",
            overhead,
            JOB_SECONDS,
            "≤ 0.5 s",
            overhead <= 0.5,
            baseline_note="fake job",
        ),
        Row(
            "Completion noticed after (s)",
            lag,
            interval,
            "≤ one poll interval",
            lag <= interval + 0.05,
            baseline_note="poll interval",
        ),
        Row("Status requests per second per job", rate, None, "≤ 2", rate <= 2),
    ]


def _at_once(generate: Callable[[int], object], count: int, pid: int) -> tuple[float, int]:
    """Wall time of `count` simultaneous generations, and the app's peak thread count meanwhile."""
    peak, done = [status_field(pid, "Threads")], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], status_field(pid, "Threads"))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    with ThreadPoolExecutor(count) as pool:
        list(pool.map(lambda _: generate(), range(count)))
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    return wall, peak[0]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        rows = estimate_rows(work) + generation_rows(work) + startup_rows()
    print_table(rows)


if __name__ == "__main__":
    main()
