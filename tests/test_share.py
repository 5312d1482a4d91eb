"""A link to share: made only by whom the video was shown to, kept across restarts, opened by its token alone."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sqlite3

import httpx
import pytest
from gradio_client import Client, handle_file

from components.sharing.sharing import NO_SUCH_LINK, SHARING_OFF, Sharing
from components.spending.access import NOT_YOURS
from components.spending.free_work import FreeWork, FreeWorkLimited
from components.studio import Studio
from tests.helpers import PREVIEW, PRO, fast_settings, running_app
from tests.test_decide_once import OTHER, inputs  # noqa: F401 - the fixture
from tests.test_studio import ANON, collect, make_studio


def made(tmp_path, inputs) -> tuple[Studio, object]:  # noqa: F811 - the fixture's value
    studio, _ = make_studio(tmp_path)
    done = collect(studio, *inputs, ".", PRO, "", ANON)[-1]
    return studio, done


@pytest.mark.unit
def test_a_link_opens_the_video_for_anyone_and_survives_a_restart(tmp_path, inputs):  # noqa: F811
    studio, done = made(tmp_path, inputs)
    token = asyncio.run(Sharing(studio).make(done.run.request_id, "", ANON))
    assert len(token) >= 43  # 256 bits from secrets.token_urlsafe: at least the 128 asked for
    restarted = Studio(studio.settings, studio.backends, studio.ledger.__class__(studio.ledger.path))
    shared = Sharing(restarted).open(token)
    assert shared.video == done.video and shared.captions is None
    captions = studio.posting.folder / f"{done.video.stem}.vtt"  # captions made after the link: shown too
    captions.parent.mkdir(parents=True, exist_ok=True)
    captions.write_text("WEBVTT\n")
    assert Sharing(restarted).open(token).captions == captions
    with sqlite3.connect(studio.ledger.path) as db:  # the file alone opens nothing: the token is not in it
        rows = db.execute("SELECT * FROM share_links").fetchall()
    assert len(rows) == 1 and token not in json.dumps(rows) and rows[0][3] == "owner:" + ANON.id


@pytest.mark.unit
def test_only_whom_the_video_was_shown_to_may_share_it(tmp_path, inputs):  # noqa: F811
    studio, done = made(tmp_path, inputs)
    for ref in (done.run.request_id, "preview-0123456789ab.mp4"):
        with pytest.raises(Exception, match=NOT_YOURS):
            asyncio.run(Sharing(studio).make(ref, "", OTHER))
    for ref in ("../../etc/passwd", "/tmp/x:y.mp4"):  # only a name the payer was shown opens anything
        with pytest.raises(Exception, match=f"{NOT_YOURS}|request id"):
            asyncio.run(Sharing(studio).make(ref, "", ANON))


@pytest.mark.unit
@pytest.mark.parametrize("token", ["", "x", "../ledger.sqlite3", "A" * 43, "' OR 1=1 --"])
def test_a_wrong_token_gets_one_sentence_that_names_no_video(tmp_path, inputs, token):  # noqa: F811
    studio, done = made(tmp_path, inputs)
    asyncio.run(Sharing(studio).make(done.run.request_id, "", ANON))
    with pytest.raises(Exception, match=NO_SUCH_LINK):
        Sharing(studio).open(token)


@pytest.mark.unit
def test_a_swept_video_s_link_says_so_and_sharing_off_opens_nothing(tmp_path, inputs):  # noqa: F811
    studio, done = made(tmp_path, inputs)
    token = asyncio.run(Sharing(studio).make(done.run.request_id, "", ANON))
    off = Studio(dataclasses.replace(studio.settings, sharing_enabled=False), studio.backends, studio.ledger)
    with pytest.raises(Exception, match=SHARING_OFF):
        Sharing(off).open(token)
    with pytest.raises(Exception, match=SHARING_OFF):
        asyncio.run(Sharing(off).make(done.run.request_id, "", ANON))
    done.video.unlink()  # what the disk budget does to an old video
    with pytest.raises(Exception, match="no longer kept on this server"):
        Sharing(studio).open(token)


@pytest.mark.unit
def test_making_a_link_is_free_work(tmp_path, inputs):  # noqa: F811
    studio, done = made(tmp_path, inputs)
    limited = Studio(studio.settings, studio.backends, studio.ledger, free_work=FreeWork(1))
    asyncio.run(Sharing(limited).make(done.run.request_id, "", ANON))
    with pytest.raises(FreeWorkLimited):
        asyncio.run(Sharing(limited).make(done.run.request_id, "", ANON))


def bare_share(url: str, run: str, source: str) -> str:
    """POST /gradio_api/call/share from another loopback address, as a script on another machine would."""
    with httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=60) as http:
        event_id = http.post(f"{url}gradio_api/call/share", json={"data": [run, ""]}).json()["event_id"]
        return http.get(f"{url}gradio_api/call/share/{event_id}").text


def test_share_over_the_api_gives_a_link_another_visitor_cannot_make(keyless, fal, media):
    client = Client(keyless, verbose=False)
    face, voice = handle_file(str(media / "face.png")), handle_file(str(media / "speech.wav"))
    _, _, record = client.predict(face, voice, ".", PREVIEW, "", api_name="/generate")
    name = json.loads(record)["video"]
    link = client.predict(name, "", api_name="/share")
    assert link.startswith(f"{keyless.rstrip('/')}/?share=") and len(link.split("=", 1)[1]) >= 43
    assert client.predict(name, "", api_name="/share") != link  # each link its own token
    refused = bare_share(keyless, name, "127.0.0.2")
    assert "event: error" in refused and "not one this app ran for you" in refused
    assert fal.seen == []


def test_with_sharing_off_the_api_refuses(fake_fal, media, tmp_path):
    settings = dataclasses.replace(fast_settings(), sharing_enabled=False)
    with running_app(settings, None, tmp_path / "videos") as url:
        client = Client(url, verbose=False)
        face, voice = handle_file(str(media / "face.png")), handle_file(str(media / "speech.wav"))
        _, _, record = client.predict(face, voice, ".", PREVIEW, "", api_name="/generate")
        with pytest.raises(Exception, match="Sharing is switched off"):
            client.predict(json.loads(record)["video"], "", api_name="/share")
