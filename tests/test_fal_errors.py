"""Every exception fal_client or httpx can raise becomes a sentence, with the request id when known."""

from __future__ import annotations

import httpx
import pytest
from fal_client.client import FalClientHTTPError, FalClientTimeoutError

from components.backends.fal_errors import describe_detail, explain
from components.backends.fal_private import SubmitOutcomeUnknown
from components.errors import JobTimedOut, KeyRejected, NetworkError, RateLimited, RemoteFailure, RemoteValidationError

REQUEST = httpx.Request("POST", "https://queue.fal.run/fal-ai/x", headers={"Authorization": "Key secret-key"})


def http_error(status: int, detail: object = "nope", headers: dict | None = None) -> FalClientHTTPError:
    response = httpx.Response(status, json={"detail": detail}, request=REQUEST, headers=headers)
    return FalClientHTTPError(detail, status, dict(response.headers), response=response)


@pytest.mark.parametrize(
    "exc, kind, words",
    [
        (http_error(401), KeyRejected, "fal rejected the key (HTTP 401: nope)"),
        (http_error(403, "Exhausted balance"), KeyRejected, "HTTP 403: Exhausted balance"),
        (
            http_error(422, [{"loc": ["body", "image_url"], "msg": "Face too small"}]),
            RemoteValidationError,
            "fal refused the inputs: image_url: Face too small",
        ),
        (http_error(429), RateLimited, "rate-limiting"),
        (http_error(500, "boom"), RemoteFailure, "fal failed to make the video (HTTP 500: boom)"),
        (http_error(404, "Request not found"), RemoteFailure, "fal refused the request (HTTP 404: Request not found)"),
        (
            httpx.HTTPStatusError("401", request=REQUEST, response=httpx.Response(401, request=REQUEST)),
            KeyRejected,
            "fal rejected the key (HTTP 401)",
        ),
        (httpx.ConnectError("down", request=REQUEST), NetworkError, "Could not reach fal.ai"),
        (SubmitOutcomeUnknown("ReadError"), NetworkError, "not sent again"),
        (FalClientTimeoutError(timeout=900, request_id="req-9"), JobTimedOut, "still not finished after 900 s"),
    ],
)
def test_explained(exc, kind, words):
    explained = explain(exc, "req-9", timeout=900)
    assert isinstance(explained, kind)
    assert words in str(explained)
    assert str(explained).endswith("(request id: req-9)")
    assert "secret-key" not in str(explained)


def test_request_id_from_fal_header_when_none_is_known():
    explained = explain(http_error(500, headers={"x-fal-request-id": "req-from-header"}), None, timeout=900)
    assert "(request id: req-from-header)" in str(explained)


def test_detail_is_kept_short():
    assert len(describe_detail("x" * 5000)) == 400
