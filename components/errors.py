"""The studio's small exception hierarchy (in the spirit of httpx's).

Every message is a sentence a visitor can act on. None of them ever carries a
fal key. Only `components/web/` turns these into `gr.Error`.
"""

from __future__ import annotations

# Said of every failure after fal took a job: it is (or will be) paid for, so it must not be sent again.
ACCEPTED_JOB_NOTE = (
    ". The job went through at fal: it will appear in your runs, or use Recover with its request id later "
    "— do not generate it again, that would pay twice"
)


class StudioError(Exception):
    """Base class: something the visitor should be told in plain words."""


class SettingsError(StudioError):
    """space.yaml is missing, malformed, or has a value out of range."""


class InputRejected(StudioError):
    """A visitor's input breaks a limit; nothing was sent to fal."""


class MissingKey(StudioError):
    """Neither the server nor the visitor provided a fal key."""


class BudgetExceeded(StudioError):
    """The request would spend more than the owner allows."""


class GenerationError(StudioError):
    """A remote job failed. Carries the fal request id when one exists.

    `refused_by_fal`: fal answered the request with an error status, so no job was queued by it.
    """

    def __init__(self, message: str, request_id: str | None = None, refused_by_fal: bool = False) -> None:
        self.request_id = request_id
        self.refused_by_fal = refused_by_fal
        suffix = f" (request id: {request_id})" if request_id else ""
        super().__init__(f"{message}{suffix}")


class KeyRejected(GenerationError):
    """fal answered 401/403: the key is wrong, revoked or lacks access."""


class RemoteValidationError(GenerationError):
    """fal refused the inputs (422) and said why."""


class RateLimited(GenerationError):
    """fal kept answering 429 after fal_client's own retries."""


class RemoteFailure(GenerationError):
    """fal or the model failed (5xx or an unexpected answer)."""


class NotSaved(GenerationError):
    """fal made the video (and may bill it) but this server could not keep it: never generate again."""

    def __init__(self, message: str, request_id: str | None = None) -> None:
        super().__init__(message + ACCEPTED_JOB_NOTE, request_id)


class NetworkError(GenerationError):
    """fal could not be reached."""


class JobTimedOut(GenerationError):
    """The job ran past the configured timeout and was cancelled."""


class PreviewFailed(StudioError):
    """The local preview could not be rendered on this machine."""
