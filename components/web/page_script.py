"""The page's own behaviour in the browser, run once at load: things Gradio has no setting for.

Gradio's audio upload checks each file against a fixed list of MIME types before anything reaches the
server, and Chromium types a `.webm` file as `video/webm` (by its extension), so a WebM voice never
arrives. Here a file the studio accepts (by extension) is given its audio type before that check runs:
in the capture phase, ahead of Gradio's own listeners, for a chosen file and for a dropped one.
"""

from __future__ import annotations

from components.web.assets import ON_LOAD_JS

# The formats the studio decodes (README), with the audio type Gradio's check accepts for each.
AUDIO_TYPES = {
    "mp3": "audio/mpeg",
    "wav": "audio/wav",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "opus": "audio/ogg",
    "flac": "audio/flac",
    "webm": "audio/webm",
    "weba": "audio/webm",
}

_TYPES_JS = "{" + ", ".join(f'"{ext}": "{kind}"' for ext, kind in AUDIO_TYPES.items()) + "}"

UPLOAD_TYPES_JS = f"""
  const audioTypes = {_TYPES_JS};
  const retyped = (files) => {{
    const list = new DataTransfer();
    let changed = false;
    for (const file of files) {{
      const type = audioTypes[file.name.split(".").pop().toLowerCase()];
      if (type && !file.type.startsWith("audio/")) {{
        list.items.add(new File([file], file.name, {{ type, lastModified: file.lastModified }}));
        changed = true;
      }} else list.items.add(file);
    }}
    return changed ? list.files : null;
  }};
  document.addEventListener("change", (event) => {{
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.closest("#audio")) return;
    const files = retyped(input.files || []);
    if (files) input.files = files;
  }}, true);
  document.addEventListener("drop", (event) => {{
    const zone = event.target instanceof Element ? event.target.closest("#audio") : null;
    const files = zone && event.dataTransfer ? retyped(event.dataTransfer.files) : null;
    const input = zone?.querySelector("input[type=file]");
    if (!files || !input) return;
    event.preventDefault();
    event.stopPropagation();
    input.files = files;  // then handed to Gradio as if chosen in the file dialog
    input.dispatchEvent(new Event("change", {{ bubbles: true }}));
  }}, true);
"""

# One load script: the live regions and the upload filter (assets.py), then the behaviour above.
PAGE_JS = f"() => {{\n  ({ON_LOAD_JS.strip()})();\n{UPLOAD_TYPES_JS}\n}}"
