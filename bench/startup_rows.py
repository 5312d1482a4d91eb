"""Two of the benchmark's rows: bytes sent per second of a microphone recording, and start-up/idle RSS."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import httpx

from bench.audio_quality import describe_audio, quality_ok
from bench.gradio_http import arguments, call, upload
from bench.processes import served, status_field
from bench.table import Row
from tests.fakes.media import ffmpeg_convert, probe_seconds, speech_wav

PRO = "fal-ai/kling-video/ai-avatar/v2/pro"


def microphone_row(url: str, fal_url: str, face: dict, work: Path) -> Row:
    """Bytes sent to fal per second of a browser microphone recording (44.1 kHz mono 16-bit WAV)."""
    speech = speech_wav(work / "speech-22k.wav")
    mic = ffmpeg_convert(
        speech, work / "mic.wav", "-af", "apad=pad_dur=0.5", "-ar", "44100", "-ac", "1", "-c:a", "pcm_s16le"
    )
    mic = ffmpeg_convert(mic, work / "mic20.wav", "-af", "aloop=loop=4:size=2e9")
    seconds = probe_seconds(mic)
    mic_inputs = {"image": face, "audio": upload(url, mic), "prompt": "microphone", "model": PRO}
    call(url, "generate", arguments(url, "generate", **mic_inputs))
    audio_name = httpx.get(fal_url + "/_fake/stats").json()["jobs"][-1]["audio_url"].rsplit("/", 1)[1]
    sent = work / audio_name
    sent.write_bytes(httpx.get(f"{fal_url}/files/{audio_name}").content)
    sent_rate, wav_rate = sent.stat().st_size / seconds, mic.stat().st_size / seconds
    quality = describe_audio(sent)
    return Row(
        f"Upload per second of microphone audio (bytes/s); sent as {quality}",
        sent_rate,
        wav_rate,
        "≤ 1/10 of the WAV, ≥ 16 kHz",
        sent_rate <= wav_rate / 10 and quality_ok(sent),
        baseline_note="the WAV",
    )


def startup_rows() -> list[Row]:
    measured = {}
    for label, script in (("ours", "app.py"), ("bare", "bench/bare_app.py")):
        starts, rss = [], []
        for _ in range(3):
            with served(script) as (proc, _, seconds):
                starts.append(seconds)
                time.sleep(3)
                rss.append(status_field(proc.pid, "VmRSS") / 1024)
        measured[label] = statistics.median(starts), statistics.median(rss)
    (ours_s, ours_mb), (bare_s, bare_mb) = measured["ours"], measured["bare"]
    return [
        Row(
            "Start-up: `python app.py` to first page (s)",
            ours_s,
            bare_s,
            "≤ 1.3 × bare",
            ours_s <= 1.3 * bare_s,
            baseline_note="bare Blocks",
        ),
        Row("Idle RSS (MB)", ours_mb, bare_mb, "≤ 1.2 × bare", ours_mb <= 1.2 * bare_mb, baseline_note="bare Blocks"),
    ]
