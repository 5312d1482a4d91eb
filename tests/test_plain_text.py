"""Text from fal (logs, errors, request ids) shows as text, never as HTML or Markdown; a prompt or script
with characters that cannot be sent is refused with a sentence before anything is spent."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import httpx
import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from components.backends.base import Progress
from components.config.settings import load_settings
from components.errors import InputRejected, RemoteValidationError
from components.events import Working
from components.inputs.text import check_characters
from components.web import wording
from components.web.edge import gradio_error
from components.web.escape import code, plain
from tests.helpers import PRO

markdown_it = pytest.importorskip("markdown_it")

HOSTILE = (
    'fal says: <img src="https://evil.example/pixel.gif" onerror="alert(1)"> see [your account](https://evil.example) '
    "or https://evil.example/x and www.evil.example, mail me@evil.example; ```\n# Heading\n> quote\n"
    "1. list | table | $$x^2$$ **bold** _it_ <b>bold</b> &amp; \\` `code`"
)


class Seen(HTMLParser):
    """The tags and the visible text of rendered HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text += data


def rendered(markdown: str) -> Seen:
    """As Gradio's Markdown would (CommonMark; Gradio then sanitizes and may run KaTeX over `$$`)."""
    seen = Seen()
    seen.feed(markdown_it.MarkdownIt("commonmark").render(markdown))
    return seen


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_fal_error_text_in_the_status_is_text_only():
    status = wording.failed(f"fal refused the inputs: {HOSTILE}")
    seen = rendered(status)
    assert seen.tags == ["p", "strong"]  # the app's own bold, nothing from fal's text
    assert _squash(seen.text) == _squash(f"❌ Not generated. fal refused the inputs: {HOSTILE}")
    escaped = plain(HOSTILE)  # GFM autolinks and KaTeX need these intact: escaped, they are text
    assert "://" not in escaped.replace("\\://", "") and "www." not in escaped
    assert "me@" not in escaped and "$$" not in escaped
    assert plain("image_url: face_detection_error (request id: req-1)") == (
        "image_url: face_detection_error (request id: req-1)"  # what cannot be markup is left alone
    )


def test_fal_logs_stay_inside_one_code_block_whatever_they_hold():
    logs = ["step 1 <img src=x>", "```", "[x](https://evil.example) ````", "done"]
    model = load_settings().model(PRO)
    status = wording.describe_progress(Working(Progress("generating", request_id="req-`1`", logs=logs), model, None, 3))
    seen = rendered(status)
    assert seen.tags.count("pre") == 1 and "img" not in seen.tags and "a" not in seen.tags
    assert "\n".join(logs) in seen.text
    assert "req-`1`" in seen.text and rendered(code("req-`1`")).tags == ["p", "code"]


def test_a_toast_shows_the_sentence_not_its_html():
    toast = gradio_error(RemoteValidationError('fal refused the inputs: <img src="https://evil.example/p.gif">'), "x")
    assert "<img" not in toast.message and "&lt;img" in toast.message


@pytest.mark.parametrize(
    "text, words",
    [
        ("She smiles \ud83d and waves", "broken character at position 12"),
        ("Red \x1b[31malert", r"control character \(U\+001B\) at position 5"),
        ("a\x00b", r"U\+0000"),
    ],
)
def test_odd_characters_are_refused_by_name(text, words):
    with pytest.raises(InputRejected, match=words):
        check_characters(text, "prompt")
    assert check_characters("Line one\n\tline two 😀🎉 é", "prompt")  # ordinary typing passes


@pytest.fixture
def escaped_json(monkeypatch):
    """Send JSON as browsers do (JSON.stringify writes a lone surrogate as `\\ud83d`); httpx would
    otherwise fail to encode it before sending anything."""
    real = httpx._content.json_dumps
    monkeypatch.setattr(
        httpx._content, "json_dumps", lambda obj, **options: real(obj, **{**options, "ensure_ascii": True})
    )
    assert json.loads(httpx.Request("POST", "http://x", json={"p": "\ud83d"}).content)["p"] == "\ud83d"


@pytest.mark.parametrize(
    "prompt, words",
    [("She smiles \ud83d warmly", "broken character at position 12"), ("Say \x07 hi", "control character")],
)
def test_a_prompt_with_odd_characters_is_refused_and_nothing_reaches_fal(
    client, fal, media, escaped_json, prompt, words
):
    image, audio = handle_file(str(media / "face.png")), handle_file(str(media / "speech.wav"))
    with pytest.raises(AppError, match=words):
        client.predict(image, audio, prompt, PRO, "", False, api_name="/generate")
    assert fal.seen == []


def test_a_script_with_a_lone_surrogate_is_refused_too(client, fal, escaped_json):
    with pytest.raises(AppError, match="The script has a broken character"):
        client.predict("Hello \udc00 there.", "espeak:en-us", "", api_name="/speak")
    assert fal.seen == []
