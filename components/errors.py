"""The studio's small exception hierarchy (in the spirit of httpx's).

Every message is a sentence a visitor can act on. None of them ever carries a
fal key. Only `components/web/` turns these into `gr.Error`.
"""

from __future__ import annotations


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
    """A remote job failed. Carries the fal request id when one exists."""

    def __init__(self, message: str, request_id: str | None = None) -> None:
        self.request_id = request_id
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


class NetworkError(GenerationError):
    """fal could not be reached."""


class JobTimedOut(GenerationError):
    """The job ran past the configured timeout and was cancelled."""


class PreviewFailed(StudioError):
    """The local preview could not be rendered on this machine."""
