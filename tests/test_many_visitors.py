"""Twenty visitors at once, each with their own audio and their own fal key."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import httpx
from gradio_client import Client, handle_file

from tests.fakes.media import probe_seconds, tone_wav
from tests.helpers import PRO, SERVER_KEY

VISITORS = 20


def test_twenty_visitors_get_their_own_video_on_their_own_key(studio, fal, media, tmp_path, caplog, capfd):
    caplog.set_level(logging.DEBUG)
    keys = [f"visitor-{i:02d}-id:secret-{i:02d}-{'x' * 8}" for i in range(VISITORS)]
    fal.valid_keys.update(keys)
    seconds = [2.0 + 0.25 * i for i in range(VISITORS)]
    audio = [tone_wav(tmp_path / f"voice{i}.wav", s, freq=180 + 7 * i) for i, s in enumerate(seconds)]

    def visit(i: int):
        client = Client(studio, verbose=False)
        return client.predict(
            handle_file(str(media / "face.png")), handle_file(str(audio[i])), ".", PRO, keys[i], api_name="/generate"
        )

    try:
        with ThreadPoolExecutor(VISITORS) as pool:
            results = list(pool.map(visit, range(VISITORS)))
    finally:
        fal.valid_keys.difference_update(keys)

    for i, (video, _status, _record) in enumerate(results):
        assert abs(probe_seconds(video) - seconds[i]) < 0.2, f"visitor {i} got someone else's video"
    assert len(fal.submits()) == VISITORS

    for job in fal.submits():
        visitor = keys.index(job.key)
        uploads = [job.arguments[a].rsplit("/", 1)[1] for a in ("image_url", "audio_url")]
        assert [fal.uploaders[u] for u in uploads] == [job.key, job.key], "an upload used another session's key"
        assert abs(probe_seconds(fal.files[uploads[1]]) - seconds[visitor]) < 0.2
        polls = [s for s in fal.seen if job.request_id in s.path]
        assert polls and {s.key for s in polls} == {job.key}
    assert SERVER_KEY not in fal.keys_seen()
    assert fal.keys_seen() == set(keys)

    secrets = [SERVER_KEY, SERVER_KEY.split(":")[1], *keys]
    out, err = capfd.readouterr()
    surfaces = {
        "logs": caplog.text + out + err,
        "responses": repr(results),
        **{path: httpx.get(studio.rstrip("/") + path).text for path in ("/", "/config", "/gradio_api/info")},
    }
    assert "HTTP Request" in surfaces["logs"], "the log capture saw nothing: the check below would be empty"
    for where, text in surfaces.items():
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"a key leaked into {where}"
