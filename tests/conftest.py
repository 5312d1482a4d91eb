"""Fixtures: a fake fal on loopback, the real fal_client pointed at it, and the
app launched in-process (`prevent_thread_lock=True`) and driven with gradio_client."""

from __future__ import annotations

import inspect
import os
import tempfile

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# A Gradio cache of this run's own: the disk budget sweeps it, and other runs on the machine share <tmp>/gradio.
os.environ.setdefault("GRADIO_TEMP_DIR", tempfile.mkdtemp(prefix="kling-tests-gradio-"))

from pathlib import Path

import fal_client.client
import pytest
from gradio_client import Client

from components.history.runs import RunCache
from tests.fakes import FakeFal, FakeFalServer
from tests.fakes import media as media_factory
from tests.helpers import SERVER_KEY, VISITOR_KEY, fast_settings, running_app


@pytest.fixture(scope="session")
def fake_fal():
    fake = FakeFal(valid_keys={SERVER_KEY, VISITOR_KEY})
    with FakeFalServer(fake) as running, pytest.MonkeyPatch.context() as patch:
        for name, suffix in (("QUEUE_URL_FORMAT", "/"), ("RUN_URL_FORMAT", "/"), ("REST_URL", ""), ("CDN_URL", "")):
            patch.setattr(fal_client.client, name, running.base_url + suffix)
        yield running


@pytest.fixture(scope="session")
def finished_runs():
    return RunCache()


@pytest.fixture
def fal(fake_fal, finished_runs):
    """The fake, cleared of earlier requests and faults; the app forgets earlier videos."""
    fake_fal.reset()
    finished_runs.clear()
    fake_fal.queue_seconds, fake_fal.run_seconds = 0.1, 0.2
    yield fake_fal
    fake_fal.reset()


@pytest.fixture(scope="session")
def studio(fake_fal, finished_runs, tmp_path_factory):
    """The app with a server key, as a Space with FAL_KEY set."""
    with running_app(fast_settings(), SERVER_KEY, tmp_path_factory.mktemp("videos"), finished_runs) as url:
        yield url


@pytest.fixture(scope="session")
def client(studio):
    return Client(studio, verbose=False)


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("media")
    media_factory.speech_wav(folder / "speech.wav")
    media_factory.tone_wav(folder / "tone5.wav", 5.0)
    media_factory.ffmpeg_convert(folder / "tone5.wav", folder / "tone5.mp3", "-b:a", "64k")
    media_factory.portrait(folder / "face.png")
    return folder


@pytest.fixture(scope="session")
def keyless(fake_fal, tmp_path_factory):
    """The app as a fresh clone runs it: no FAL_KEY anywhere."""
    with running_app(fast_settings(), None, tmp_path_factory.mktemp("keyless-videos")) as url:
        yield url


# The layers: `pytest -m unit` (the core, no server: under a minute), `-m api` (the app launched, driven
# with gradio_client, MCP or HTTP against the fake fal), `-m browser` (Chromium). CI runs all three.
_SERVES = {"studio", "client", "keyless", "fal", "fake_fal"}


def pytest_configure(config):
    """A temporary folder of this run's own: pytest's shared numbered folders are pruned by any other run
    on the machine (a bench, a second checkout), which would delete this run's files mid-test."""
    if not config.option.basetemp:
        config.option.basetemp = tempfile.mkdtemp(prefix="kling-tests-")


def pytest_collection_modifyitems(items):
    for item in items:
        if any(any(item.iter_markers(name)) for name in ("unit", "api", "browser")):
            continue
        source = inspect.getsource(item.function)
        if "open_page" in source or "chromium" in source.lower():
            item.add_marker(pytest.mark.browser)
        elif _SERVES & set(item.fixturenames) or any(
            word in source for word in ("running_app", "_app_process", "sys.executable")
        ):
            item.add_marker(pytest.mark.api)
        else:
            item.add_marker(pytest.mark.unit)
