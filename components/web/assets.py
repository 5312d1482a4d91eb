"""What the page carries besides components: link-preview metadata, the theme's contrast, accessibility.

Gradio has no switch for these, so they are set here once: `head` (metadata), `css`
(text colours that meet WCAG AA on white), and `ON_LOAD_JS`, which marks the estimate
and readiness lines as polite live regions (screen readers hear them change; the status, which changes
every second, speaks through page_script.py's announcer)
and widens the voice upload's file filter to every format the studio accepts
(browsers file `.webm` under video/webm, which `audio/*` leaves out).
"""

from __future__ import annotations

import gradio as gr

TITLE = "Kling Avatar Studio — talking avatars from a portrait and a voice"
DESCRIPTION = (
    "Turn a portrait and a voice clip into a talking-avatar video with Kling AI Avatar on fal.ai. "
    "See the cost before you pay; try the free local preview without a key."
)
SCREENSHOT = "docs/screenshot.png"  # served by Gradio (launch's allowed_paths) as the link preview's image


def head(public_host: str | None) -> str:
    """Link-preview metadata; the image and URL only where the public address is known (a Space's SPACE_HOST)."""
    tags = [
        f'<meta name="description" content="{DESCRIPTION}">',
        f'<meta property="og:title" content="{TITLE}">',
        f'<meta property="og:description" content="{DESCRIPTION}">',
        '<meta property="og:type" content="website">',
        '<meta name="twitter:card" content="summary_large_image">',
    ]
    if public_host:
        tags.append(f'<meta property="og:url" content="https://{public_host}/">')
        tags.append(f'<meta property="og:image" content="https://{public_host}/gradio_api/file={SCREENSHOT}">')
    return "\n".join(tags)


AUDIO_ACCEPT = "audio/*,.mp3,.wav,.m4a,.aac,.ogg,.oga,.opus,.flac,.webm,.weba"

ON_LOAD_JS = f"""
() => {{
  for (const id of ["estimate", "readiness", "allowance"]) {{
    const region = document.getElementById(id);
    if (region) {{ region.setAttribute("aria-live", "polite"); region.setAttribute("role", "status"); }}
  }}
  const widen = () => document.querySelectorAll("#audio input[type=file]").forEach(
    (input) => input.getAttribute("accept") !== "{AUDIO_ACCEPT}" && input.setAttribute("accept", "{AUDIO_ACCEPT}")
  );
  widen();
  const audio = document.getElementById("audio");
  if (audio) new MutationObserver(widen).observe(audio, {{ childList: true, subtree: true }});
}}
"""

# The moment Generate is pressed: the status pinned on a phone (page_script.py unpins it when the job ends),
# with Generate and Stop scrolled to the top of the screen, clear of it; beside the video on a wider screen.
SHOW_STATUS_JS = (
    "() => { const s = document.getElementById('status'); s?.classList.add('kas-running');"
    " if (matchMedia('(min-width: 641px)').matches) s?.scrollIntoView({block: 'nearest'});"
    " else document.getElementById('generate')?.scrollIntoView({block: 'start'}); return []; }"
)

THEME = gr.themes.Soft(primary_hue="indigo").set(
    # AA contrast on white: indigo-700 buttons (white text 7.8:1), grey-600/700 help and labels.
    button_primary_background_fill="#4338ca",
    button_primary_background_fill_hover="#3730a3",
    button_primary_text_color="#ffffff",
    checkbox_label_background_fill_selected="#4338ca",  # a chosen radio's white text: indigo-500 was 4.46:1
    body_text_color_subdued="#4b5563",
    block_label_text_color="#374151",
    block_info_text_color="#4b5563",
    # The label chips and the selected tab: indigo-800 on indigo-100 and on white (AA), indigo-300 on dark.
    block_title_text_color="#3730a3",
    color_accent="#4338ca",
    link_text_color_dark="#a5b4fc",
    link_text_color_visited_dark="#c4b5fd",
    link_text_color_hover_dark="#c7d2fe",
    link_text_color_active_dark="#c7d2fe",
)

CSS = """
footer, footer a, footer button { color: #374151 !important; }
.dark footer, .dark footer a, .dark footer button { color: #d1d5db !important; }
#status { min-height: 2.5em; }
/* Gradio's audio player draws its times and speed in grey-400 (2.5:1 on white): the subdued text colour. */
.dark { --color-accent: #a5b4fc; }  /* the theme has no dark accent of its own */
time#time, time#duration, button.playback span { color: var(--body-text-color-subdued) !important; }
#status progress { width: 100%; height: 0.9em; accent-color: #4338ca; display: block; margin: 0.25em 0; }
#readiness.kas-stale { display: none; }
/* The history's tiles: the first frame, and under it model, length, cost and date in full and legible (Gradio
   lays a faded, one-line caption over the picture); the gallery as tall as its tiles, below its label. */
#history .fixed-height { min-height: 0; }
#history .grid-wrap { padding-top: 2.75em; }
#history .thumbnail-item { aspect-ratio: auto; height: auto; display: flex; flex-direction: column; }
#history .thumbnail-item img { aspect-ratio: 16 / 10; height: auto; }
#history .caption-label { position: static; max-width: none; white-space: normal; opacity: 1 !important;
  border: 0; border-radius: 0; line-height: 1.3; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
/* On a phone the running job stays pinned in view at the bottom of the screen, whatever is scrolled. */
@media (max-width: 640px) {
  #history .grid-container { --grid-cols: 2 !important; }  /* two tiles a row: captions stay readable */
  /* A phone's first screen reaches Generate: the pitch without its fine print (the estimate states the rule),
     and lower drop areas for the portrait and the voice. */
  #intro p:nth-of-type(2) { display: none; }
  #image { height: 170px !important; }
  #audio { height: auto !important; min-height: 0 !important; }
  #audio .upload-container, #audio .upload-container .wrap { height: 130px !important; min-height: 0 !important; }
  #status.kas-running { position: fixed; left: 0; right: 0; bottom: 0; z-index: 50; margin: 0; padding: 0.5em 1em;
    max-height: 40vh; overflow: auto; background: var(--background-fill-primary);
    border-top: 2px solid #4338ca; box-shadow: 0 -4px 12px rgba(0, 0, 0, 0.15); }
}
"""
