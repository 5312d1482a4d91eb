"""Accessibility repairs inside Gradio's own widgets, run in the browser as they appear. axe-core finds these in
Gradio 6.31's markup, not in the app's: a placeholder `div` with an `aria-label` and no role, upload areas and
the speed button whose names do not contain their visible text (speech input users say what they see), and the
same "Upload file" name on the portrait's and the voice's source buttons, and the examples' pictures without
an alt text. Each repair only adds or corrects an attribute; none changes what a control does.
"""

from __future__ import annotations

# Which input each upload belongs to, for names that say it (two "Upload file" buttons are not two names).
OWNERS = {"image": "portrait", "audio": "voice clip"}

_OWNERS_JS = "{" + ", ".join(f'"{key}": "{value}"' for key, value in OWNERS.items()) + "}"

A11Y_JS = f"""
  const owners = {_OWNERS_JS};
  const repair = () => {{
    document.querySelectorAll(".empty[aria-label]:not([role])").forEach((el) => el.setAttribute("role", "img"));
    // The examples' pictures are their cells' only content: named by their file, the cell has a name too.
    document.querySelectorAll('[data-testid^="dataset-cell"] img[alt=""]').forEach((img) => {{
      img.alt = "Example portrait " + decodeURIComponent(img.src.split("/").pop());
    }});
    for (const [id, owner] of Object.entries(owners)) {{
      document.querySelectorAll(`#${{id}} button[aria-label="Upload file"]`)
        .forEach((b) => b.setAttribute("aria-label", `Upload a ${{owner}} file`));
    }}
    // A name that leaves out the visible text: the visible text first, then what Gradio said it does. Gradio's
    // own words are kept aside once, so text that changes in place (a tile's caption) replaces the old text.
    document.querySelectorAll("button[aria-label]").forEach((b) => {{
      const text = b.innerText.trim().replace(/\\s+/g, " ");
      const current = b.getAttribute("aria-label");
      if (b.dataset.kasSet !== current) b.dataset.kasSaid = current;  // Gradio's own label, new or changed
      const name = b.dataset.kasSaid;
      if (!text || name.toLowerCase().includes(text.toLowerCase())) return;
      const owner = owners[b.closest("#image, #audio")?.id];
      const upload = owner && b.classList.contains("upload-container");
      const wanted = upload ? `${{text}} (${{owner}})` : `${{text}} — ${{name}}`;
      b.dataset.kasSet = wanted;
      if (current !== wanted) b.setAttribute("aria-label", wanted);
    }});
  }};
  let queued = false;
  new MutationObserver(() => {{
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {{ queued = false; repair(); }});
  // Text changed in place counts too: a history tile's caption becomes the finished run's, in the same button.
  }}).observe(document.body, {{
    childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ["aria-label"],
  }});
  repair();
"""
