"""What the page says: the estimate, progress, results and refusals, as Markdown.

Whatever comes from elsewhere (fal's logs, errors and request ids) goes in through escape.py."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from components.backends.base import PartStatus
from components.events import Allowance, Done, Stopped, Working
from components.history.runs import Run
from components.inputs.jobs import Quote
from components.spending.pricing import billed_seconds, format_cost, format_dollars
from components.web.escape import code, code_block, plain

_STAGE_TITLES = {
    "waiting": "Waiting for a free slot on this app…",
    "uploading": "Uploading the portrait and voice to fal…",
    "submitting": "Sending the job to fal…",
    "queued": "Queued at fal",
    "generating": "Generating the video",
    "downloading": "Done at fal — fetching the video…",
    "rendering": "Rendering the local preview",
}


NO_ESTIMATE = "**Estimated cost:** add a voice clip to see it."


def describe_quote(quote: Quote) -> str:
    text = f"**Estimated cost:** {quote.estimate.describe()}"
    if quote.problem:
        text += f"\n\n⚠️ Can't generate yet: {quote.problem}"
    return text


def speaking() -> str:
    return "⏳ Speaking the script first…"


def checking(model_label: str) -> str:
    return f"⏳ Checking the inputs for {model_label}…"


def describe_progress(working: Working) -> str:
    progress = working.progress
    title = _STAGE_TITLES[progress.stage]
    if progress.stage == "queued" and progress.queue_position is not None:
        title += f" — position {progress.queue_position + 1} in line"
    cost = f", {working.estimate.describe()}" if working.estimate is not None else ""
    lines = [
        f"⏳ **{title}** · {working.model.label}{cost}",
        progress_bar(working.elapsed, working.model.typical_seconds),
    ]
    if working.note:
        lines.append(f"🙂 {working.note}")
    if progress.parts:
        lines.append("\n".join(_part_line(part, len(progress.parts)) for part in progress.parts))
    if progress.request_id:
        lines.append(f"Request id: {code(progress.request_id)} — fal has the job; it will finish even if you leave.")
    if progress.logs:
        lines.append(code_block(progress.logs))
    return "\n\n".join(lines)


def _part_line(part: PartStatus, count: int) -> str:
    stage = _PART_STAGES.get(part.stage, part.stage)
    if part.stage == "queued" and part.queue_position is not None:
        stage += f", position {part.queue_position + 1}"
    ident = f" · {code(part.request_id)}" if part.request_id else ""
    return f"- Part {part.number} of {count}: {stage}{ident}"


_PART_STAGES = {
    "waiting": "waiting for a slot",
    "uploading": "uploading",
    "submitting": "sending to fal",
    "queued": "queued at fal",
    "rendering": "rendering",
    "generating": "generating",
    "downloading": "fetching its video",
    "done": "✅ done",
    "retrying": "failed once at fal — sent again (not charged twice)",
    "failed": "❌ failed",
}


def progress_bar(elapsed: float, typical: float) -> str:
    """Elapsed time against the model's typical duration (space.yaml), and when it should be done.

    A real bar (`<progress>`, which has a role and a value for screen readers), and the finish time as a
    `<time>` in UTC that the page's script shows in the visitor's own time zone."""
    percent = round(100 * min(0.95, elapsed / typical)) if typical > 0 else 0
    finish = datetime.now(timezone.utc) + timedelta(seconds=max(0.0, typical - elapsed))
    when = f'<time datetime="{finish:%Y-%m-%dT%H:%M:%SZ}">{finish:%H:%M} UTC</time>'
    expected = f"usually done around {when}" if elapsed < typical else "taking longer than usual"
    bar = f'<progress max="100" value="{percent}" aria-label="Job progress">{percent} %</progress>'
    return f"{bar} {percent} % · {elapsed:.0f} s elapsed · {expected}"


def stopped(outcome: Stopped) -> str:
    """Only what is true at the stage Stop was pressed."""
    ident = f" (request id {code(outcome.request_id)})" if outcome.request_id else ""
    if outcome.stage == "finished":
        return "⏹️ **Nothing to stop.** No job of this page is running."
    if outcome.stage == "submitting":
        return (
            "⏹️ **Stopped while sending the job to fal.** If fal received it, it will still appear in your runs. "
            "Your inputs are untouched."
        )
    if outcome.request_id is None:
        return "⏹️ **Stopped before fal got the job.** Nothing was charged. Your inputs are untouched."
    if outcome.stage == "queued":
        return f"⏹️ **Removed from fal's queue{ident}.** It had not started, so it is not charged."
    if outcome.stage == "downloading":
        return f"⏹️ **Too late to stop:** fal already finished the video{ident}. It is being fetched into your runs."
    return (
        f"⏹️ **Cancel requested at fal{ident}.** The video was already being made: fal may still finish it and "
        "charge for it. If it does, it will appear in your runs."
    )


def describe_done(done: Done) -> str:
    """The cost by the estimate's rule (whole seconds rounded up) on the length fal returned."""
    run = done.run
    if run.parts:
        video = f"{run.seconds:.1f} s from {len(run.parts)} parts joined, each part billed in whole seconds"
    elif run.request_id:
        video = f"{run.seconds:.1f} s as fal returned it, billed as {billed_seconds(run.seconds)} s"
    else:
        video = f"{run.seconds:.1f} s, rendered on this machine"
    lines = [
        f"✅ **Done in {done.elapsed:.0f} s.** Video: {video} · actual cost **{format_cost(run.cost)}** · {run.model}"
    ]
    if done.voice_cost is not None:
        total = format_cost(done.voice_cost + run.cost)
        lines.append(f"🔊 Voice {format_cost(done.voice_cost)} + video {format_cost(run.cost)} = **{total}** in all.")
    if done.note:
        lines.append(done.note)
    if run.parts:
        lines.append("Request ids: " + ", ".join(code(part) for part in run.parts))
    elif run.request_id:
        lines.append(f"Request id: {code(run.request_id)}")
    return "\n\n".join(lines)


def reused(run: Run) -> str:
    when = run.finished_at[11:16]
    ident = f" (request id {code(run.request_id)})" if run.request_id else ""
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
    ident = f" Request id: {code(run.request_id)}." if run.request_id else ""
    return f"📼 **{how}** {run.model} · {run.seconds:.1f} s · {format_cost(run.cost)}.{ident}"


def readiness(missing: list[str], problem: str | None, from_script: bool = False) -> str:
    if missing:
        listed = ", ".join(missing[:-1]) + " and " + missing[-1] if len(missing) > 1 else missing[0]
        return f"To generate, add {listed}."
    if problem:
        return f"⚠️ Not ready: {problem}"
    if from_script:
        return "✅ Ready — press **Generate**: your script is spoken first, then animated (one total, above)."
    return "✅ Ready — press **Generate**."


def allowance(left: Allowance) -> str:
    return (
        f"On the app's fal key today: **{format_dollars(min(left.visitor_left, left.app_left))}** left for you "
        f"({format_dollars(left.app_left)} left for all visitors); resets {left.resets}. Your own key is not limited."
    )


def failed(message: str) -> str:
    """`message` may quote fal (its error detail): shown as text, whatever it holds."""
    return f"❌ **Not generated.** {plain(message)}"
