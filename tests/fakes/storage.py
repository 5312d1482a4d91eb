"""The storage half of the fake fal: upload tokens, CDN uploads, the legacy upload path, files.

What `fal_client`'s `upload_file` does: `POST /storage/auth/token` with `Authorization: Key <key>`
gets a short-lived token; `POST /files/upload` with `Authorization: Bearer <token>` and the raw
bytes (`X-Fal-File-Name` names them) answers `{access_url}`. Older clients instead
`POST /storage/upload/initiate` and `PUT` the bytes to the URL they are given. Result videos are
downloaded anonymously, as from fal's CDN.

The storage owns all its state. Whether a key may have a token is not its business: the caller
passes an `authorize` callable in, so the queue side keeps one set of valid keys and one set of
faults for both halves.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi import Response
from fastapi.responses import FileResponse, JSONResponse

from tests.fakes.server import error_response

# (key, name of the fault that may force a status) -> an error answer, or None to let it through.
Authorize = Callable[[str | None, str], Response | None]


class FakeStorage:
    """Files uploaded to (or rendered by) the fake fal, and who uploaded each one."""

    def __init__(self, authorize: Authorize, directory: Path | None = None) -> None:
        self.authorize = authorize
        self.base_url = ""  # set once the server has a port; it goes into every URL handed out
        self.directory = directory or Path(tempfile.mkdtemp(prefix="fake-fal-"))
        self.files: dict[str, Path] = {}  # stored name -> file on disk
        self.uploaders: dict[str, str] = {}  # stored name -> the fal key behind the upload token
        self._tokens: dict[str, str] = {}  # upload token -> the fal key it was issued for
        # Prefixing every stored name with a fresh number keeps two visitors' "voice.wav" apart.
        self._ids = itertools.count(1)

    # ---- what the queue side asks ---------------------------------------
    def key_of(self, authorization: str) -> str | None:
        """The fal key behind an Authorization header: `Key <key>` itself, or the key an upload
        token was issued for, so every request can be recorded by the key that paid for it."""
        scheme, _, value = authorization.partition(" ")
        return value if scheme == "Key" else self._tokens.get(value)

    def path_of(self, url: str) -> Path:
        """The file behind a URL this storage handed out (the model reads its inputs here)."""
        return self.files[url.rsplit("/", 1)[1]]

    def keep(self, video: Path) -> str:
        """Serve a file made elsewhere (a rendered video) under its own name; returns its URL."""
        self.files[video.name] = video
        return f"{self.base_url}/files/{video.name}"

    # ---- HTTP --------------------------------------------------------------
    def route(self, method: str, path: str, key: str | None, headers: dict[str, str], body: bytes) -> Response | None:
        """Answer a storage request, or None when `path` is not storage's."""
        if path == "/storage/auth/token" and method == "POST":
            return self._token(key)
        if path == "/storage/upload/initiate" and method == "POST":
            return self._initiate(key)
        if path == "/files/upload" and method == "POST":
            return self._store(key, body, headers.get("x-fal-file-name", "upload.bin"))
        if path.startswith("/files/"):
            name = path.removeprefix("/files/")
            return self._put(name, body) if method == "PUT" else self._serve(name)
        return None

    def _token(self, key: str | None) -> Response:
        refused = self.authorize(key, "token_status")
        if refused:
            return refused
        token = f"tok-{next(self._ids)}"
        self._tokens[token] = key
        expires = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
        return JSONResponse({"token": token, "token_type": "Bearer", "base_url": self.base_url, "expires_at": expires})

    def _initiate(self, key: str | None) -> Response:
        refused = self.authorize(key, "token_status")
        if refused:
            return refused
        name = f"{next(self._ids)}-upload.bin"
        return JSONResponse(
            {"upload_url": f"{self.base_url}/files/{name}", "file_url": f"{self.base_url}/files/{name}"}
        )

    def _store(self, key: str | None, body: bytes, name: str) -> Response:
        # `key` is None when the bearer token was never issued here: fal's CDN refuses that.
        if key is None:
            return error_response(401, "Invalid upload token")
        stored = f"{next(self._ids)}-{Path(name).name}"
        target = self.directory / stored
        target.write_bytes(body)
        self.files[stored] = target
        self.uploaders[stored] = key
        return JSONResponse({"access_url": f"{self.base_url}/files/{stored}"})

    def _put(self, name: str, body: bytes) -> Response:
        # The legacy path's second step; the URL itself is the permission, as with a signed URL.
        target = self.directory / Path(name).name
        target.write_bytes(body)
        self.files[target.name] = target
        return Response(status_code=200)

    def _serve(self, name: str) -> Response:
        if name not in self.files:
            return error_response(404, "No such file")
        return FileResponse(self.files[name])
