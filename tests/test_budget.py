"""The owner's budget against a script: new sessions, bare /call requests, MCP calls, parallel calls, restarts.

Every visitor here comes from 127.0.0.1, so they are one visitor to the caps unless a test says otherwise.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from tests.fakes.media import tone_wav
from tests.helpers import PRO, SERVER_KEY, UNLIMITED, VISITOR_KEY, fast_settings, running_app
from tests.mcp_client import call_tool

CLIP_SECONDS = 3.0
CLIP_DOLLARS = 3 * 0.115  # billed as 3 whole seconds on Pro
DAY_CAP = 3.00  # room for 8 clips, while 36 are attempted


def generate(
    url: str, image: Path, audio: Path, prompt: str = ".", key: str = "", headers: dict | None = None
) -> tuple:
    """A new session per call, as a script would make."""
    return Client(url, verbose=False, headers=headers).predict(
        handle_file(str(image)), handle_file(str(audio)), prompt, PRO, key, False, api_name="/generate"
    )


def bare_call(url: str, image: Path, audio: Path, prompt: str) -> str:
    """Upload, then POST /gradio_api/call/generate and read the event stream, as a curl script would."""
    files = [("files", path.open("rb")) for path in (image, audio)]
    uploaded = httpx.post(f"{url}gradio_api/upload", files=files, timeout=30).json()
    data = [{"path": path, "meta": {"_type": "gradio.FileData"}} for path in uploaded] + [
        prompt,
        PRO,
        "",
        False,
        "",
        None,
        False,  # skip_face_check
        "",  # options
    ]
    event_id = httpx.post(f"{url}gradio_api/call/generate", json={"data": data}, timeout=30).json()["event_id"]
    return httpx.get(f"{url}gradio_api/call/generate/{event_id}", timeout=180).text


def budget(**caps: float) -> object:
    return dataclasses.replace(UNLIMITED, **caps)


def test_a_crowd_of_sessions_bare_calls_and_mcp_stays_under_the_daily_cap_across_a_restart(fal, media, tmp_path):
    settings = fast_settings(budget=budget(max_dollars_per_day=DAY_CAP))
    voice, data = tone_wav(tmp_path / "voice.wav", CLIP_SECONDS), tmp_path / "data"
    face = media / "face.png"
    with running_app(settings, SERVER_KEY, tmp_path / "videos", data_dir=data) as url:
        with ThreadPoolExecutor(10) as pool:
            outcomes = list(pool.map(lambda i: _attempt(lambda: generate(url, face, voice, f"take {i}")), range(30)))
        outcomes += [bare_call(url, face, voice, f"bare {i}") for i in range(3)]
        outcomes += [
            _attempt(lambda i=i: call_tool(url, "generate", _mcp_args(face, voice, f"mcp {i}"))) for i in range(3)
        ]
    billed = sum(CLIP_DOLLARS for job in fal.submits())
    assert 0 < billed <= DAY_CAP + 1e-9, f"{len(fal.submits())} jobs reached fal"
    refusals = [outcome for outcome in outcomes if "daily budget" in str(outcome)]
    others = [str(o)[:300] for o in outcomes if "daily budget" not in str(o) and "Done" not in str(o)]
    assert len(refusals) == 36 - len(fal.submits()), others

    with running_app(settings, SERVER_KEY, tmp_path / "videos", data_dir=data) as url:  # a restart, same ledger
        before = len(fal.submits())
        with pytest.raises(
            AppError,
            match=r"The app.s fal key has reached its daily budget: \$2\.\d\d of \$3\.00.*Paste your own fal key",
        ):
            generate(url, face, voice, "after the restart")
        assert len(fal.submits()) == before


def _attempt(call) -> object:
    try:
        return call()
    except Exception as exc:  # the refusal's sentence is what the test reads
        return exc


def _mcp_args(image: Path, audio: Path, prompt: str) -> dict:
    encode = lambda path, mime: f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode()}"  # noqa: E731
    return {
        "image": encode(image, "image/png"),
        "audio": encode(audio, "audio/wav"),
        "prompt": prompt,
        "model": PRO,
        "fal_key": "",
        "new_take": False,
        "script": "",
    }


def test_one_visitor_runs_at_most_one_owner_key_job_at_once(fal, media, tmp_path):
    fal.queue_seconds, fal.run_seconds = 0.5, 1.5
    settings = fast_settings(budget=budget(max_jobs_per_visitor_at_once=1))
    voices = [tone_wav(tmp_path / f"v{i}.wav", CLIP_SECONDS, freq=200 + 10 * i) for i in range(4)]
    with running_app(settings, SERVER_KEY, tmp_path / "videos") as url, ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(lambda v: _attempt(lambda: generate(url, media / "face.png", v)), voices))
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert refused and all("at most 1 may run at once" in str(o) for o in refused)
    spans = sorted((job.submitted, job.submitted + 2.0) for job in fal.submits())
    assert all(later[0] >= earlier[1] - 0.05 for earlier, later in zip(spans, spans[1:], strict=False)), spans


def test_a_request_over_the_per_request_cap_is_refused_before_fal(fal, media, tmp_path):
    settings = fast_settings(budget=budget(max_seconds_per_request=10))
    with running_app(settings, SERVER_KEY, tmp_path / "videos") as url:
        with pytest.raises(AppError, match=r"would use 11 s \(\$1\.27\) of the app's fal key.*Paste your own fal key"):
            generate(url, media / "face.png", tone_wav(tmp_path / "long.wav", 11.0))
        assert fal.seen == []
        video, _, record = generate(url, media / "face.png", tone_wav(tmp_path / "long.wav", 11.0), key=VISITOR_KEY)
        record = json.loads(record)  # the run record is one JSON document
        assert video.endswith(".mp4") and record["request_id"]  # the visitor's own key is never limited


@pytest.mark.parametrize(
    ("environ", "forged"),
    [({}, "203.0.113.{i}"), ({"SPACE_ID": "owner/studio"}, "203.0.113.{i}, 127.0.0.1")],
    ids=["off-a-space", "on-a-space-behind-its-proxy"],
)
def test_forged_forwarded_headers_in_parallel_new_sessions_are_one_visitor(fal, media, tmp_path, environ, forged):
    """Each call claims another address; on a Space the proxy appends the real one (here 127.0.0.1)."""
    fal.queue_seconds, fal.run_seconds = 0.5, 1.5
    settings = fast_settings(budget=budget(max_jobs_per_visitor_at_once=1))
    voices = [tone_wav(tmp_path / f"v{i}.wav", CLIP_SECONDS, freq=200 + 10 * i) for i in range(12)]

    def claim(i: int) -> object:
        headers = {"X-Forwarded-For": forged.format(i=i)}
        return _attempt(lambda: generate(url, media / "face.png", voices[i], headers=headers))

    with running_app(settings, SERVER_KEY, tmp_path / "videos", environ=environ) as url, ThreadPoolExecutor(12) as pool:
        outcomes = list(pool.map(claim, range(12)))
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(refused) >= 9 and all("at most 1 may run at once" in str(o) for o in refused), refused[:2]
    spans = sorted((job.submitted, job.submitted + 2.0) for job in fal.submits())
    assert all(later[0] >= earlier[1] - 0.05 for earlier, later in zip(spans, spans[1:], strict=False)), spans
