"""Text from elsewhere, put into the page's Markdown so that it reads as text and never as markup.

fal's log lines and error details, a visitor's request id or script: none of it may become HTML (an
`<img>` loading a stranger's URL), a link, a heading, KaTeX, or a ``` that closes the block around it.
Gradio renders Markdown with marked (CommonMark + GFM autolinks), sanitizes the HTML, then runs KaTeX
over the text when the source holds `$$`.
"""

from __future__ import annotations

import re

# What can start inline markup in one line of CommonMark + GFM as Gradio renders it: emphasis (`*`, `_` at a
# word's edge: intraword `_` never is), code, links and images (`[`), strikethrough, KaTeX's `$$`, and the
# GFM autolinks (`https://`, `www.`, `a@b.c`). Everything else is left as it is, so the text stays readable.
_INLINE = re.compile(r"[\\`*\[~$@]|(?<![^\W_])_|_(?![^\W_])|:(?=//)|(?i:(?<=www))\.")
# At the start of a line: a heading, a list item, a setext underline.
_LINE_START = re.compile(r"^(?:[#+\-=]|\d+[.)])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_BACKTICKS = re.compile(r"`+")


def plain(text: object) -> str:
    """`text` as it reads, as one line (block markup needs a line of its own): HTML's special characters
    as entities, and every character that could start inline markup backslash-escaped."""
    line = " ".join(str(text).split())
    escaped = _INLINE.sub(lambda found: "\\" + found.group(), line)
    escaped = _LINE_START.sub(lambda found: found.group()[:-1] + "\\" + found.group()[-1], escaped)
    return html_text(escaped)


def code(text: object) -> str:
    """`text` as inline code: fenced by more backticks than any run inside it (CommonMark code spans)."""
    text = str(text).replace("\n", " ")
    fence = "`" * (_longest_run(text) + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return f"{fence}{padded}{fence}"


def code_block(lines: list[str]) -> str:
    """Lines as a fenced block: its fence is longer than any run of backticks in them, so none can close it."""
    body = "\n".join(lines)
    fence = "`" * max(3, _longest_run(body) + 1)
    return f"{fence}text\n{body}\n{fence}"


def html_text(text: str) -> str:
    """For places Gradio renders as HTML (its toasts): the text's own `<`, `>` and `&` as entities."""
    return re.sub("[&<>]", lambda found: _HTML[found.group()], text)


def _longest_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)
