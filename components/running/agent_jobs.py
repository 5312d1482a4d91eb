"""Jobs an agent starts and comes back to: `start` returns once fal has the job, with its id; then
`status`, `result` and `cancel` by that id — after the call that started it ended, and after a restart.

A job is visible by its id only to the payer it was shown to (the ledger's sightings: the same signed-in
account or address on the app's key, or the same fal key by its digest), never to anybody else. Every
answer is a plain dict with a documented shape (`SCHEMAS`), dollars rounded to cents.
"""

from __future__ import annotations

import contextlib
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from components.errors import InputRejected, StudioError
from components.events import Accepted, Done, Reused
from components.running.job_runner import Made
from components.spending.access import NOT_YOURS
from components.spending.pricing import estimate

if TYPE_CHECKING:
    from components.history.runs import Run
    from components.running.tracker import Tracked
    from components.spending.identity import Visitor
    from components.spending.payer import Payer
    from components.studio import Studio

_KEEP_PREVIEWS = 200


@dataclass
class AgentJobs:
    studio: Studio = field(repr=False)
    # A preview has no fal request id: its finished run is kept here by its own id (until a restart).
    _previews: OrderedDict[str, tuple[Run, Path]] = field(default_factory=OrderedDict, repr=False)

    async def start(self, inputs: dict[str, Any], visitor: Visitor, raw_key: str | None) -> dict[str, Any]:
        """Check, reserve and send the job; return when fal has accepted it (a preview: when it is made).
        `inputs`: image, audio, prompt, endpoint, skip_face_check, script (as `Studio.generate` takes them)."""
        payer = self.studio.payer(visitor, raw_key)
        events = self.studio.generate(
            inputs["image"],
            inputs["audio"],
            inputs["prompt"],
            inputs["endpoint"],
            raw_key,
            visitor,
            skip_face_check=inputs.get("skip_face_check", False),
            script=inputs.get("script"),
        )
        async with contextlib.aclosing(events):
            async for event in events:
                if isinstance(event, Accepted):  # the job goes on in its own task: the caller may leave now
                    return self._running(event.run, event.working.estimate)
                if isinstance(event, Done | Reused):
                    return self._made(event.run, event.video, payer)
        raise InputRejected("The job stopped before fal accepted it; nothing was spent. Try again.")

    def status(self, job_id: str, payer: Payer) -> dict[str, Any]:
        self._check_visible(job_id, payer)
        tracked = self._tracked(job_id)
        if job_id in self._previews or (tracked is not None and _made(tracked) is not None):
            return {"job_id": job_id, "state": "done", "stage": "done", "progress": 100}
        if tracked is None:  # followed by an earlier run of this server: fal still has it
            return {"job_id": job_id, "state": "unknown", "stage": "at fal", "hint": "call job_result to fetch it"}
        if tracked.finished or tracked.stopped is not None:
            return self._ended(job_id, tracked)
        return self._progress(job_id, tracked)

    async def result(self, job_id: str, payer: Payer) -> dict[str, Any]:
        """The finished video; a running job answers with its status; after a restart it is fetched from fal (free)."""
        self._check_visible(job_id, payer)
        if job_id in self._previews:
            return _result(*self._previews[job_id])
        tracked = self._tracked(job_id)
        if tracked is None:
            found = await self.studio.library.recover(job_id, None, payer)
            return _result(found.run, found.video)
        made = _made(tracked)
        if made is not None:
            return _result(made.run, made.video)
        return self.status(job_id, payer)

    async def cancel(self, job_id: str, payer: Payer) -> dict[str, Any]:
        self._check_visible(job_id, payer)
        tracked = self._tracked(job_id)
        if tracked is None or tracked.finished:
            return {"job_id": job_id, "state": "finished", "stopped_at": None}
        outcome = await self.studio.stop_job(tracked, payer)
        return {"job_id": job_id, "state": "stopped", "stopped_at": outcome.stage}

    def _running(self, run: Run, quoted: Any) -> dict[str, Any]:
        quote = quoted or estimate(run.seconds, 0.0)
        return {
            "job_id": run.request_id,
            "state": "running",
            "request_ids": list(run.parts or (run.request_id,)),
            "model": run.endpoint,
            "estimate": {"seconds": round(quote.seconds, 2), "billed_seconds": quote.billed_seconds},
            "estimated_cost": round(run.cost, 2),
        }

    def _made(self, run: Run, video: Path, payer: Payer) -> dict[str, Any]:
        job_id = run.request_id or Path(run.video).stem
        if run.request_id is None:
            self._previews[job_id] = (run, video)
            while len(self._previews) > _KEEP_PREVIEWS:
                self._previews.popitem(last=False)
        self.studio.ledger.sightings.seen(payer.id, [job_id])
        return _result(run, video)

    def _tracked(self, job_id: str) -> Tracked | None:
        return self.studio.tracker.of_narration(job_id) or self.studio.tracker.of_request(job_id)

    def _check_visible(self, job_id: str, payer: Payer) -> None:
        if not self.studio.ledger.sightings.visible_to(payer.id, [(job_id or "").strip()]):
            raise InputRejected(NOT_YOURS)

    def _progress(self, job_id: str, tracked: Tracked) -> dict[str, Any]:
        typical = self.studio.settings.model(tracked.endpoint).typical_seconds
        elapsed = time.monotonic() - tracked.started
        latest = next((e for e in reversed(tracked.events) if hasattr(e, "queue_position")), None)
        ids = [part.request_id for part in tracked.children if part.request_id] or [tracked.request_id]
        return {
            "job_id": job_id,
            "state": "running",
            "stage": tracked.stage,
            "queue_position": getattr(latest, "queue_position", None),
            "progress": min(99, int(100 * elapsed / typical)),
            "eta_seconds": max(0, round(typical - elapsed)),
            "request_ids": ids,
        }

    def _ended(self, job_id: str, tracked: Tracked) -> dict[str, Any]:
        if tracked.stopped is not None:
            return {"job_id": job_id, "state": "stopped", "stage": getattr(tracked.stopped, "stage", "stopped")}
        error = tracked.error
        message = str(error) if isinstance(error, StudioError) else "The job failed inside the app."
        return {"job_id": job_id, "state": "failed", "stage": tracked.stage, "error": message}


def _made(tracked: Tracked) -> Made | None:
    return next((event for event in reversed(tracked.events) if isinstance(event, Made)), None)


def _result(run: Run, video: Path) -> dict[str, Any]:
    return {
        "job_id": run.request_id or Path(run.video).stem,
        "state": "done",
        "model": run.endpoint,
        "model_label": run.model,
        "video": str(video),
        "seconds": round(run.seconds, 2),
        "billed_seconds": estimate(run.seconds, 0.0).billed_seconds,
        "cost": round(run.cost, 2),
        "request_ids": list(run.parts or ((run.request_id,) if run.request_id else ())),
        "finished_at": run.finished_at,
    }
