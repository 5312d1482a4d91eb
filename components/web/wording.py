"""What the page says: the estimate, progress, results and refusals, as Markdown."""

from __future__ import annotations

from components.backends.base import Progress
from components.jobs import Job, Quote
from components.pricing import format_dollars
from components.runs import Run
from components.studio import Done

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


def checking(model_label: str) -> str:
    return f"⏳ Checking the inputs for {model_label}…"


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


def describe_done(done: Done) -> str:
    run = done.run
    lines = [
        f"✅ **Done in {done.elapsed:.0f} s.** Video: {run.seconds:.1f} s · "
        f"actual cost {format_dollars(run.cost)} ({run.model})",
    ]
    if done.note:
        lines.append(done.note)
    if run.request_id:
        lines.append(f"Request id: `{run.request_id}`")
    return "\n\n".join(lines)


def reused(run: Run) -> str:
    when = run.finished_at[11:16]
    ident = f" (request id `{run.request_id}`)" if run.request_id else ""
    return (
        f"♻️ **Re-used an earlier video.** Same portrait, voice, prompt and model as the run at {when} UTC{ident} — "
        "nothing was spent this time."
    )


def reopened(run: Run, recovered: bool) -> str:
    how = (
        "Recovered from fal's stored result; nothing was charged again."
        if recovered
        else "Re-opened from your history."
    )
    ident = f" Request id: `{run.request_id}`." if run.request_id else ""
    return f"📼 **{how}** {run.model} · {run.seconds:.1f} s · {format_dollars(run.cost)}.{ident}"


def readiness(missing: list[str], audio_problem: str | None) -> str:
    if missing:
        return "To generate, add " + ", ".join(missing) + "."
    if audio_problem:
        return "Not ready: the voice clip needs fixing (see the estimate above)."
    return "Ready — press **Generate**."


def failed(message: str) -> str:
    return f"❌ **Not generated.** {message}"


STOPPED = "⏹️ **Stopped.** The job was cancelled at fal; nothing more will be charged for it. Your inputs are untouched."
