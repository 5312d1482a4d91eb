"""fal_client and httpx exceptions → plain sentences for the visitor.

Only the status code and fal's own detail are read. The exception object is
never logged or shown: its request still carries the `Authorization` header.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx
from fal_client.client import FalClientHTTPError, FalClientTimeoutError

from components.backends.fal_private import SubmitOutcomeUnknown
from components.errors import (
    ACCEPTED_JOB_NOTE,
    JobTimedOut,
    KeyRejected,
    NetworkError,
    RateLimited,
    RemoteFailure,
    RemoteValidationError,
)

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.errors import GenerationError

_MAX_DETAIL_CHARS = 400
KEYS_PAGE = "https://fal.ai/dashboard/keys"


def explain(exc: BaseException, request_id: str | None, timeout: float, accepted: bool = False) -> GenerationError:
    """`accepted`: fal had already taken the job, so a broken connection does not mean it failed."""
    if isinstance(exc, FalClientTimeoutError):
        return timed_out(timeout, request_id or exc.request_id)
    if isinstance(exc, FalClientHTTPError):
        request_id = request_id or exc.response_headers.get("x-fal-request-id")
        return _from_status(exc.status_code, describe_detail(exc.message), request_id)
    if isinstance(exc, httpx.HTTPStatusError):
        return _from_status(exc.response.status_code, "", request_id)
    if isinstance(exc, SubmitOutcomeUnknown):
        return NetworkError(
            "The connection to fal broke while the job was being submitted. fal may have accepted it, so it was "
            "not sent again (that could charge twice); check https://fal.ai/dashboard/requests before retrying",
            request_id,
        )
    if isinstance(exc, httpx.TransportError) and accepted:
        return NetworkError("The connection to fal broke while following the job" + ACCEPTED_JOB_NOTE, request_id)
    if isinstance(exc, httpx.TransportError):
        return NetworkError(
            "Could not reach fal.ai (the connection failed or was cut). Check the network and try again",
            request_id,
        )
    return RemoteFailure(f"Something unexpected went wrong talking to fal ({type(exc).__name__})", request_id)


def timed_out(timeout: float, request_id: str | None) -> JobTimedOut:
    return JobTimedOut(
        f"The job was still not finished after {timeout:g} s, so it was cancelled. "
        "fal charges only finished videos; try again later or with a shorter clip",
        request_id,
    )


def _from_status(status: int, detail: str, request_id: str | None) -> GenerationError:
    """fal answered with an error status: whatever that request was, fal did not queue a job for it."""
    error = _status_error(status, detail, request_id)
    error.refused_by_fal = True
    return error


def _status_error(status: int, detail: str, request_id: str | None) -> GenerationError:
    said = f": {detail}" if detail else ""
    if status in (401, 403):
        return KeyRejected(
            f"fal rejected the key (HTTP {status}{said}). Check it at {KEYS_PAGE} — "
            "it may be mistyped, revoked or out of credit",
            request_id,
        )
    if status == 422:
        return RemoteValidationError(f"fal refused the inputs{said or ' (HTTP 422)'}", request_id)
    if status == 429:
        return RateLimited("fal is rate-limiting this key (HTTP 429). Wait a minute and try again", request_id)
    if status >= 500:
        return RemoteFailure(
            f"fal failed to make the video (HTTP {status}{said}). Failed jobs are not charged; try again shortly",
            request_id,
        )
    return RemoteFailure(f"fal refused the request (HTTP {status}{said})", request_id)


def describe_detail(detail: object) -> str:
    """fal's 422 detail is a list of {loc, msg, type}; anything else is shown as text."""
    if isinstance(detail, list):
        parts = [_describe_item(item) for item in detail]
        text = "; ".join(p for p in parts if p)
    else:
        text = str(detail or "").strip()
    return text[:_MAX_DETAIL_CHARS]


def _describe_item(item: object) -> str:
    if not isinstance(item, dict):
        return str(item)
    location = [str(part) for part in item.get("loc", []) if part != "body"]
    message = str(item.get("msg", "")).strip()
    return f"{'.'.join(location)}: {message}" if location else message
