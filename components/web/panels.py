"""Pieces of the page's layout that read better on their own: the key box, the examples, labels."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from components.config.settings import Settings

INTRO = """# 🗣️ Kling Avatar Studio
Give a **portrait** and a **voice clip**, check the price, press **Generate**: a talking-avatar video by
[Kling AI Avatar](https://fal.ai/models/fal-ai/kling-video/ai-avatar/v2/pro) on fal.ai, in a few minutes.

Prices are per second of video, **billed in whole seconds rounded up** — the estimate and the final cost use
this one rule. No key? The free **Local preview** shows the whole flow. Or start from an example below."""

KEY_HELP = (
    "Used for your requests only, never stored or shown. "
    "Get one at [fal.ai/dashboard/keys](https://fal.ai/dashboard/keys)."
)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# (portrait, voice, prompt) in examples/; each file's source and licence is in examples/SOURCES.md.
# The photograph comes first: a real face and a real voice show what Kling does best.
EXAMPLE_ROWS: tuple[tuple[str, str, str], ...] = (
    (
        "astronaut.jpg",
        "astronaut.mp3",
        "An astronaut in her orange flight suit speaks warmly to the camera, smiling, with natural head movements.",
    ),
    ("person.png", "hello.mp3", "A friendly presenter greets the audience."),
    ("cat.png", "cat.mp3", "A cheerful cartoon cat talks to the camera."),
)


def key_box(settings: Settings, server_has_key: bool) -> gr.Textbox:
    with gr.Accordion(
        "🔑 Your fal key" + ("" if server_has_key else " — this app has no key of its own"),
        open=not server_has_key,
        visible=settings.allow_visitor_keys,
    ):
        return gr.Textbox(
            label="Your fal key",
            value="",
            type="password",
            placeholder="Leave empty to use the app's key" if server_has_key else "fal key id:secret",
            info=KEY_HELP,
            elem_id="fal_key",
        )


def examples(image: gr.Image, audio: gr.Audio, prompt: gr.Textbox) -> None:
    rows = [
        [str(EXAMPLES / portrait), str(EXAMPLES / voice), text]
        for portrait, voice, text in EXAMPLE_ROWS
        if (EXAMPLES / portrait).is_file() and (EXAMPLES / voice).is_file()
    ]
    if rows:
        # No fn: choosing an example only fills the inputs. Nothing is cached, nothing is paid.
        gr.Examples(examples=rows, inputs=[image, audio, prompt], cache_examples=False, label="Try an example")


def interactive(enabled: bool) -> Callable[[], Any]:
    def update() -> Any:
        return gr.update(interactive=enabled)

    return update


def script_tab(choices: list[tuple[str, str]]) -> tuple[gr.Textbox, gr.Dropdown, gr.Button, gr.Markdown, gr.Audio]:
    """Inside the voice tabs: a script, a catalog voice, Speak, the script's total estimate, the spoken voice."""
    script = gr.Textbox(label="Script", value="", lines=3, max_lines=8, elem_id="script")
    first = choices[0][1] if choices else None
    voice = gr.Dropdown(label="Voice", choices=choices, value=first, elem_id="voice")
    speak = gr.Button("Speak", elem_id="speak")
    said = gr.Markdown(elem_id="script_estimate")
    spoken = gr.Audio(label="Spoken voice", type="filepath", interactive=False, elem_id="spoken")
    return script, voice, speak, said, spoken
