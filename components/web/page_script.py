"""The page's own behaviour in the browser, run once at load: things Gradio has no setting for.

Gradio's audio upload checks each file against a fixed list of MIME types before anything reaches the
server, and Chromium types a `.webm` file as `video/webm` (by its extension), so a WebM voice never
arrives. Here a file the studio accepts (by extension) is given its audio type before that check runs:
in the capture phase, ahead of Gradio's own listeners, for a chosen file and for a dropped one.
"""

from __future__ import annotations

from components.web.a11y_script import A11Y_JS
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

# The job's status drives the rest. Its text starts with what it is: ⏳ running, ✅/📼/♻️ a video, ❌ failed,
# ⏹️ stopped. It changes every second while a job runs (the elapsed time), so the page acts on changes of kind
# and stage only: scrolling once per change (never fighting the visitor's own scrolling), the tab title, and a
# separate polite announcer that speaks stage changes, not every second.
STATUS_JS = """
  const base = document.title;
  const status = document.getElementById("status");
  const video = document.getElementById("video");
  const readiness = document.getElementById("readiness");
  const announcer = document.createElement("div");
  announcer.id = "status-announcer";
  announcer.className = "sr-only";
  announcer.setAttribute("role", "status");
  announcer.setAttribute("aria-live", "polite");
  document.body.appendChild(announcer);
  const kindOf = (text) => text.startsWith("⏳") ? "running" : /^(✅|📼|♻️)/u.test(text) ? "video"
    : text.startsWith("❌") ? "failed" : text.startsWith("⏹") ? "stopped" : "";
  const inView = (el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight; };
  const showVideo = (tries = 40) => {
    const player = video?.querySelector("video");
    if (!player) { if (tries > 0) setTimeout(() => showVideo(tries - 1), 100); return; }
    // The status's top a little below the screen's edge (scrollIntoView can leave it a fraction of a pixel above).
    scrollTo(0, Math.max(0, Math.floor(scrollY + status.getBoundingClientRect().top) - 8));
    if (!inView(video)) video.scrollIntoView({ block: "end" });
  };
  let lastKind = "", lastStage = "";
  const follow = () => {
    status.querySelectorAll("time[datetime]:not([data-local])").forEach((t) => {
      const local = new Date(t.getAttribute("datetime"));
      t.textContent = local.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      t.dataset.local = "1";
    });
    const text = status.innerText.trim();
    const kind = kindOf(text);
    const stage = (status.querySelector("strong")?.innerText || text.split("\\n")[0]).replace(/[….]+$/u, "");
    const bar = status.querySelector("progress");
    if (kind) status.classList.toggle("kas-running", kind === "running");  // Gradio's own timer text: no kind
    if (kind === "running") {
      document.title = `${stage}… ${bar ? bar.value + " %" : ""} · ${base}`.replace(/ +·/, " ·");
      readiness?.classList.add("kas-stale");  // "Ready" no longer describes the page while a job runs
    } else if (kind) {
      document.title = `${{ video: "Done", failed: "Failed", stopped: "Stopped" }[kind]} · ${base}`;
    }
    if (kind !== lastKind) {
      if (kind === "video") showVideo();
      else if (kind && !inView(status)) status.scrollIntoView({ block: kind === "running" ? "nearest" : "center" });
    }
    if (kind && (kind !== lastKind || stage !== lastStage)) {
      announcer.textContent = kind === "running" ? stage : text.split("\\n")[0];
    }
    lastKind = kind; lastStage = stage;
  };
  if (status) new MutationObserver(follow).observe(status, { childList: true, subtree: true, characterData: true });
  // A new readiness answer (inputs changed) is current again.
  if (readiness) new MutationObserver(() => readiness.classList.remove("kas-stale"))
    .observe(readiness, { childList: true, subtree: true, characterData: true });
  // The result plays muted: a showcase must not start talking on its own (the player's button unmutes).
  const mute = () => video?.querySelectorAll("video").forEach((v) => { v.muted = true; v.defaultMuted = true; });
  const watched = { childList: true, subtree: true, attributes: true, attributeFilter: ["src"] };
  if (video) new MutationObserver(mute).observe(video, watched);
"""

# Choosing an example fills the inputs far above the examples on a phone: bring the filled inputs and then
# the price into view (the estimate arrives a moment after the files).
EXAMPLES_JS = """
  document.addEventListener("click", (event) => {
    if (!(event.target instanceof Element) || !event.target.closest('[data-testid^="dataset-cell"]')) return;
    const show = () => {
      document.getElementById("image")?.scrollIntoView({ block: "start" });
      const price = document.getElementById("estimate");
      if (price && price.getBoundingClientRect().bottom > innerHeight) price.scrollIntoView({ block: "end" });
    };
    setTimeout(show, 300);
    setTimeout(show, 1500);
  });
"""

# One load script: the live regions and the upload filter (assets.py), then the behaviour above.
PAGE_JS = f"() => {{\n  ({ON_LOAD_JS.strip()})();\n{UPLOAD_TYPES_JS}\n{STATUS_JS}\n{EXAMPLES_JS}\n{A11Y_JS}\n}}"
