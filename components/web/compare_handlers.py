"""The "Compare models" panel's handlers: its estimate, the comparison's stream, the slots' labels, Stop all."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import gradio as gr

from components.config.models import read_options
from components.errors import StudioError
from components.events import Done, Reused, Stopped, Working
from components.history.runs import from_entry, remember
from components.running.compare import MAX_MODELS, check_comparison, compare, compare_sessions, comparison_spends
from components.spending.pricing import format_cost, format_dollars, model_estimate
from components.studio import Studio
from components.web import wording
from components.web.edge import as_gradio_error, file_path, sentence, visitor_of
from components.web.escape import code, plain
from components.web.options_panel import price_label

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.models import Model


@dataclass(frozen=True)
class CompareHandlers:
    studio: Studio = field(repr=False)

    async def estimate(
        self,
        audio: Any,
        models: list[str],
        fal_key: str,
        options: Any,
        request: gr.Request,
        profile: gr.OAuthProfile | None,
    ) -> str:
        """The comparison's total before the click, model by model, or why it could not run."""
        if not file_path(audio):
            return "Add a voice clip to see what the comparison would cost."
        try:
            visitor = visitor_of(request, profile, self.studio.identities)
            chosen, clip = read_options(options), file_path(audio)
            total = await check_comparison(self.studio, clip, models or [], fal_key, visitor, chosen)
            spends = await comparison_spends(self.studio, clip, models or [], chosen)
        except StudioError as exc:
            return f"⚠️ {exc}"
        each = " · ".join(f"{self.studio.settings.model(s.endpoint).label}: {s.estimate.describe()}" for s in spends)
        return f"**Comparison total:** about {format_dollars(total)} for {len(models)} videos.\n\n{each}"

    async def compare(
        self,
        image: Any,
        audio: Any,
        prompt: str,
        models: list[str],
        fal_key: str,
        request: gr.Request,
        profile: gr.OAuthProfile | None,
        options: Any = None,
    ) -> AsyncIterator[tuple[Any, ...]]:
        """Make the same talking-avatar video on 2 to 4 models at once, to compare them side by side.

        Args:
            image: The portrait, as a file or data: URL.
            audio: The voice clip (2–300 s; over 60 s it runs as parts joined into one video), as a file or data: URL.
            prompt: Optional direction for the performance ("." for none).
            models: 2 to 4 model endpoints, e.g. ["fal-ai/kling-video/ai-avatar/v2/pro",
                "fal-ai/bytedance/omnihuman/v1.5"]. Each is charged at its own price.
            fal_key: Your own fal.ai key (used for this call only); empty to use the app's key.
            options: Each model's options, by endpoint, e.g. {"veed/fabric-1.0": {"resolution": "720p"}}.

        Returns:
            For each of 4 slots a video and a label (model, price, billed seconds, actual cost, wall time, request id),
            then the finished runs' records.
        """
        models, started, chosen = list(models or []), time.monotonic(), read_options(options)
        videos, labels, runs = [None] * MAX_MODELS, [""] * MAX_MODELS, []
        with as_gradio_error("comparing models"):
            visitor = visitor_of(request, profile, self.studio.identities)
            await check_comparison(self.studio, file_path(audio), models, fal_key, visitor, chosen)
            session = getattr(request, "session_hash", None)
            paths = (file_path(image), file_path(audio))
            async for endpoint, event in compare(
                self.studio, *paths, prompt, models, fal_key, visitor, session, chosen
            ):
                slot, model = models.index(endpoint), self.studio.settings.model(endpoint, chosen.get(endpoint))
                labels[slot] = _label(event, model, time.monotonic() - started)
                if isinstance(event, Done | Reused):
                    videos[slot] = str(event.video)
                    runs.append(event.run.entry())
                yield (*[item for pair in zip(videos, labels, strict=True) for item in pair], runs)

    async def stop_all(self, models: list[str], fal_key: str, request: gr.Request) -> str:
        """Stop every model of this page's comparison."""
        sessions = compare_sessions(getattr(request, "session_hash", None), list(models or []))
        outcomes = [await self.studio.stop(session, fal_key) for session in sessions]
        return "\n\n".join(wording.stopped(outcome) for outcome in outcomes if outcome.stage != "finished")

    def heads(self, models: list[str], options: Any) -> tuple[Any, ...]:
        """Before a comparison: each chosen slot named by its model and price, and its "Use" button by its model."""
        models, chosen = list(models or [])[:MAX_MODELS], read_options(options)
        picked = [self.studio.settings.model(endpoint, chosen.get(endpoint)) for endpoint in models]
        labels = [_label(None, model, 0.0) for model in picked] + [""] * (MAX_MODELS - len(picked))
        uses = [gr.update(value=f"Use {model.label}", visible=True) for model in picked]
        unused = [gr.update(visible=False)] * (MAX_MODELS - len(picked))
        columns = [gr.update(visible=True)] * len(picked) + unused  # an unchosen slot takes no room
        return (*labels, *uses, *unused, *columns)

    def use(self, models: list[str], slot: int) -> Any:
        """ "Use this one": the slot's model becomes the page's model for this session."""
        models = list(models or [])
        return gr.update(value=models[slot]) if slot < len(models) else gr.skip()

    def remember_all(self, history: list | None, finished: list | None) -> list:
        for entry in finished or []:
            history = remember(history, from_entry(entry))
        return history or []


def _label(event: object, chosen: Model, wall: float) -> str:
    """The slot's line: model (and options), price, billed seconds, actual cost, wall time, request id."""
    picked = ", ".join(str(value) for _, value in chosen.chosen)
    model = f"{chosen.label}{f' ({picked})' if picked else ''} · {price_label(chosen)}"
    if isinstance(event, StudioError):
        return f"**{model}** — ❌ {plain(sentence(event, 'comparing'))}"
    if isinstance(event, Stopped):
        return f"**{model}** — {wording.stopped(event)}"
    if isinstance(event, Working):
        return f"**{model}** — ⏳ {event.progress.stage} · {wall:.0f} s" + (
            f" · {code(event.progress.request_id)}" if event.progress.request_id else ""
        )
    if isinstance(event, Done | Reused):
        run, how = event.run, "re-used, nothing spent" if isinstance(event, Reused) else f"{wall:.0f} s"
        billed = model_estimate(chosen, [run.seconds]).billed_seconds
        return (
            f"**{model}** — ✅ {run.seconds:.1f} s, billed as {billed:g} s · {format_cost(run.cost)} · {how}"
            f" · {code(run.request_id)}"
        )
    return f"**{model}** — " + ("⏳ checking" if event else "ready to compare")
