"""The storage half of the fake fal: upload tokens, CDN uploads, the legacy storage path, files."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi import Request, Response
from fastapi.responses import FileResponse, JSONResponse

from tests.fake_fal_http import error_response


class FakeStorage:
    """Mixed into FakeFal, whose fields (files, uploaders, faults, _tokens, _ids, _dir) it uses."""

    def _token(self, key: str | None) -> Response:
        refused = self._authorized(key, "token_status")
        if refused:
            return refused
        token = f"tok-{next(self._ids)}"
        self._tokens[token] = key
        expires = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
        return JSONResponse({"token": token, "token_type": "Bearer", "base_url": self.base_url, "expires_at": expires})

    def _initiate(self, key: str | None, request: Request) -> Response:
        refused = self._authorized(key, "token_status")
        if refused:
            return refused
        name = f"{next(self._ids)}-upload.bin"
        return JSONResponse({"upload_url": f"{self.base_url}/files/{name}", "file_url": f"{self.base_url}/files/{name}"})

    def _store(self, key: str | None, body: bytes, name: str) -> Response:
        if key is None:
            return error_response(401, "Invalid upload token")
        stored = f"{next(self._ids)}-{Path(name).name}"
        target = self._dir / stored
        target.write_bytes(body)
        self.files[stored] = target
        self.uploaders[stored] = key
        return JSONResponse({"access_url": f"{self.base_url}/files/{stored}"})

    def _serve_file(self, method: str, path: str, body: bytes) -> Response:
        name = path.removeprefix("/files/")
        if method == "PUT":
            (self._dir / name).write_bytes(body)
            self.files[name] = self._dir / name
            return Response(status_code=200)
        if name.endswith(".mp4") and self.faults.get("video_status"):
            return error_response(int(self.faults["video_status"]), "Gone")
        if name not in self.files:
            return error_response(404, "No such file")
        return FileResponse(self.files[name])

    def _uploaded(self, url: str) -> Path:
        return self.files[url.rsplit("/", 1)[1]]


