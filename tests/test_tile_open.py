"""A click on a history tile, through the page's own handler: a finished run re-opened, a pending one followed to
its video — each only for the visitor it was shown to."""

from __future__ import annotations

import asyncio
import contextlib

import gradio as gr
import pytest

from components.events import Accepted
from components.spending.access import NOT_YOURS
from components.web.handlers import Handlers
from tests.helpers import PRO
from tests.test_decide_once import inputs  # noqa: F401 - the fixture
from tests.test_studio import ANON, make_studio

pytestmark = pytest.mark.unit


def request_from(address: str) -> gr.Request:
    return gr.Request(client={"host": address}, headers={})


async def clicked(handlers: Handlers, history: list, address: str) -> list[tuple]:
    evt = gr.SelectData(None, {"index": 0, "value": None})
    return [update async for update in handlers.open_tile(history, [0], "", evt, request_from(address), None)]


def test_a_pending_tile_follows_its_job_to_the_video_and_a_finished_one_reopens(tmp_path, inputs):  # noqa: F811
    studio, _ = make_studio(tmp_path)
    handlers = Handlers(studio)

    async def scenario() -> tuple[list, list, list]:
        async with contextlib.aclosing(studio.generate(*inputs, "a", PRO, "", ANON)) as events:
            # The page goes away the moment fal has the job: only the browser's pending entry is left.
            async for event in events:
                if isinstance(event, Accepted):
                    pending = event.run.entry()
                    break
        stranger = await clicked(handlers, [pending], "198.51.100.8")
        followed = await clicked(handlers, [pending], ANON.id.removeprefix("ip:"))
        return stranger, followed, pending

    stranger, followed, pending = asyncio.run(scenario())
    assert NOT_YOURS in stranger[-1][1]  # another visitor's click follows nothing
    video, status, record = followed[-1]
    assert video.endswith(f"{pending['request_id']}.mp4") and "Done" in status and '"state": "done"' in record
    finished = [dict(pending, state="done")]
    video, status, _ = asyncio.run(clicked(handlers, finished, ANON.id.removeprefix("ip:")))[-1]
    assert video.endswith(f"{pending['request_id']}.mp4") and "Re-opened from your history" in status
