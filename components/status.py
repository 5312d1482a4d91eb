"""What the page says while a job runs and when it ends. Pure text, no gradio."""

from __future__ import annotations

from components.backends.base import Finished, Progress
from components.backends.preview_render import PREVIEW_LABEL
from components.history import Run
from components.jobs import Job, Quote
from components.pricing import format_dollars

_STAGE_TITLES = {
    "uploading": "Uploading the portrait and voice to fal…",
    "queued": "Queued at fal",
    "generating": "Generating the video",
    "downloading": "Done at fal — fetching the video…",
    "rendering": "Rendering the local preview",
}


def describe_quote(quote: Quote) -> str:
    text = f"**Estimated cost:** {quote.estimate.describe()}"
    if quote.problem:
        text += f"\n\n⚠️ Can't generate yet: {quote.problem}"
    return text


def checking(job_label: str) -> str:
    return f"⏳ Checking the inputs for {job_label}…"


def describe_progress(progress: Progress, job: Job, elapsed: float) -> str:
    title = _STAGE_TITLES[progress.stage]
    if progress.stage == "queued" and progress.queue_position is not None:
        title += f" — position {progress.queue_position + 1} in line"
    lines = [f"⏳ **{title}** · {elapsed:.0f} s elapsed · {job.model.label}, {job.estimate.describe()}"]
    if progress.request_id:
        lines.append(f"Request id: `{progress.request_id}`")
    if progress.logs:
        lines.append("```\n" + "\n".join(progress.logs) + "\n```")
    return "\n\n".join(lines)


def describe_finished(finished: Finished, job: Job, elapsed: float) -> str:
    lines = [
        f"✅ **Done in {elapsed:.0f} s.** Video: {finished.seconds:.1f} s · "
        f"actual cost {format_dollars(finished.cost)} ({job.model.label})",
    ]
    if job.model.backend == "preview":
        lines.append(f"**{PREVIEW_LABEL}.** Choose a Kling model (with a fal key) for the real thing.")
    if finished.request_id:
        lines.append(f"Request id: `{finished.request_id}`")
    return "\n\n".join(lines)


def reused(run: Run) -> str:
    when = run.finished_at[11:16]
    ident = f" (request id `{run.request_id}`)" if run.request_id else ""
    return (
        f"♻️ **Re-used an earlier video.** Same portrait, voice, prompt and model as the run at {when} UTC{ident} — "
        "nothing was spent this time."
    )


def reopened(run: Run, recovered: bool) -> str:
    how = "Recovered from fal's stored result; nothing was charged again." if recovered else "Re-opened from your history."
    ident = f" Request id: `{run.request_id}`." if run.request_id else ""
    return f"📼 **{how}** {run.model} · {run.seconds:.1f} s · {format_dollars(run.cost)}.{ident}"


def failed(message: str) -> str:
    return f"❌ **Not generated.** {message}"


STOPPED = "⏹️ **Stopped.** The job was cancelled at fal; nothing more will be charged for it. Your inputs are untouched."
