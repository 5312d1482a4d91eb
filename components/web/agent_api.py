"""Endpoints for agents (API and MCP tools, no UI): start a job and come back to it by its id.

They run outside Gradio's queue (`queue=False`), so over MCP Gradio hands them the agent's own HTTP
request: each caller is identified by its own connection (or sign-in), not by the loopback relay every
queued MCP call shares. Every answer is one JSON document (schemas in `components/config/catalog.py`).
A visitor's fal key may come as the `X-Fal-Key` header instead of an argument: never logged or echoed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import gradio as gr
from gradio.data_classes import FileData

from components.config.catalog import catalog, tool_descriptions
from components.running.agent_jobs import AgentJobs
from components.speech.voices import Script
from components.studio import Studio
from components.web.edge import as_gradio_error, file_path, visitor_of


@dataclass
class AgentTools:
    studio: Studio = field(repr=False)
    jobs: AgentJobs = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.jobs = AgentJobs(self.studio)

    async def start_generation(
        self,
        image: FileData,
        audio: FileData = None,  # noqa: RUF013 - FileData alone marks it a file for Gradio (None: speak `script`)
        prompt: str = ".",
        model: str = "",
        fal_key: str = "",
        script: str = "",
        voice: str = "espeak:en-us",
        skip_face_check: bool = False,
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
        x_fal_key: gr.Header = None,
    ) -> str:
        """Start a video; return once fal has the job.

        Args:
            image: The portrait (JPEG, PNG, WebP…; each side at least 300 px), as a data: URL or public https URL.
            audio: The voice clip (2–300 s), as a data: URL or public https URL; leave out to speak `script`.
            prompt: Optional direction for the performance, up to 2,500 characters ("." for none).
            model: A model endpoint from the catalog tool; empty for the app's default.
            fal_key: Your own fal.ai key for this call only (or the X-Fal-Key header); empty for the app's key.
            script: Text to speak as the voice when no audio is given.
            voice: The catalog voice for the script, e.g. "espeak:en-us" (free).
            skip_face_check: True to send a portrait in which no face was found.
        """
        with as_gradio_error("starting a job"):
            inputs = {
                "image": file_path(image),
                "audio": file_path(audio),
                "prompt": prompt,
                "endpoint": model or self.studio.settings.default_model,
                "skip_face_check": bool(skip_face_check),
                "script": Script(script, voice) if not file_path(audio) and script.strip() else None,
            }
            visitor = visitor_of(request, profile, self.studio.identities)
            return _json(await self.jobs.start(inputs, visitor, fal_key or x_fal_key or ""), request)

    async def job_status(
        self,
        job_id: str,
        fal_key: str = "",
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
        x_fal_key: gr.Header = None,
    ) -> str:
        """Where the job is.

        Args:
            job_id: The job_id start_generation returned.
            fal_key: Your own fal.ai key for this call only (or the X-Fal-Key header); empty for the app's key.
        """
        with as_gradio_error("reading a job's status"):
            return _json(self.jobs.status(job_id, self._payer(fal_key, x_fal_key, request, profile)), request)

    async def job_result(
        self,
        job_id: str,
        fal_key: str = "",
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
        x_fal_key: gr.Header = None,
    ) -> str:
        """The job's video.

        Args:
            job_id: The job_id start_generation returned.
            fal_key: Your own fal.ai key for this call only (or the X-Fal-Key header); empty for the app's key.
        """
        with as_gradio_error("fetching a job's result"):
            payer = self._payer(fal_key, x_fal_key, request, profile)
            return _json(await self.jobs.result(job_id, payer), request)

    async def cancel_job(
        self,
        job_id: str,
        fal_key: str = "",
        request: gr.Request = None,
        profile: gr.OAuthProfile | None = None,
        x_fal_key: gr.Header = None,
    ) -> str:
        """Cancel the job.

        Args:
            job_id: The job_id start_generation returned.
            fal_key: Your own fal.ai key for this call only (or the X-Fal-Key header); empty for the app's key.
        """
        with as_gradio_error("cancelling a job"):
            return _json(await self.jobs.cancel(job_id, self._payer(fal_key, x_fal_key, request, profile)), request)

    def allowance_today(self, request: gr.Request = None, profile: gr.OAuthProfile | None = None) -> str:
        """What you may still spend today on the app's key."""
        allowance = self.studio.allowance(visitor_of(request, profile, self.studio.identities))
        answer = {
            "on_app_key": self.studio.backends[self.studio.settings.default_model].has_key(None),
            "you_may_spend": round(allowance.visitor_left, 2),
            "app_may_spend": round(allowance.app_left, 2),
            "resets": allowance.resets,
            "on_your_own_key": "not limited by this app",
        }
        return json.dumps(answer)

    def catalog(self) -> str:
        """The models and voices."""
        return json.dumps(catalog(self.studio.settings))

    def _payer(self, fal_key: str, header: str | None, request: Any, profile: Any) -> Any:
        return self.studio.payer(visitor_of(request, profile, self.studio.identities), fal_key or header or "")


def _json(answer: dict[str, Any], request: Any) -> str:
    """The video as a URL this server serves (the path itself stays private)."""
    video = answer.pop("video", None)
    if video:
        base = str(getattr(getattr(request, "request", request), "base_url", "")) or "/"
        answer["video_url"] = f"{base.rstrip('/')}/gradio_api/file={quote(video)}"
    return json.dumps(answer)


def agent_api(studio: Studio) -> None:
    """Registers the agent endpoints on the page being built (inside its `gr.Blocks`)."""
    tools, descriptions = AgentTools(studio), tool_descriptions(studio.settings)
    for name, description in descriptions.items():
        gr.api(getattr(tools, name), api_name=name, api_description=description, queue=False)
    gr.api(_resource(tools), api_name="catalog_resource", queue=False)


def _resource(tools: AgentTools) -> Any:
    @gr.mcp.resource(
        "kling://catalog", description="Models, prices, limits and voices, as JSON.", mime_type="text/plain"
    )
    def catalog_resource() -> str:
        return tools.catalog()

    return catalog_resource
