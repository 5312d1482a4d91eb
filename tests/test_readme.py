"""Every snippet in the README's API and MCP section runs as written, against the app on the fake fal."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## API and MCP") : README.index("## Deploying")]
SNIPPETS = re.findall(r"```python\n(.*?)```", SECTION, re.S)


def test_the_section_has_its_snippets():
    assert len(SNIPPETS) == 2 and all("127.0.0.1:7860" in snippet for snippet in SNIPPETS)


@pytest.mark.parametrize("snippet", SNIPPETS, ids=["gradio_client", "mcp"])
def test_a_readme_snippet_runs_verbatim_apart_from_the_address(studio, fal, snippet, monkeypatch):
    monkeypatch.chdir(ROOT)  # the snippets name files in examples/
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(snippet.replace("http://127.0.0.1:7860/", studio), "README.md", "exec"), {})  # noqa: S102
    words = printed.getvalue().split()
    video_url, cost = next(word for word in words if word.endswith(".mp4")), words[-1]
    assert video_url.startswith(studio) and video_url.endswith(".mp4") and float(cost) > 0
    assert len(fal.submits()) == 1
