"""Checks done once per content: a bounded cache of checked files, shared by everyone who asks.

A key says what a check depends on (a file's digest, the limits), so other content or limits mean a new
check. A check runs in a worker thread within the decode pool, once however many ask at the same moment
(the estimate and the readiness line fire together; Compare starts a job per model). Each entry owns a
folder of the files its check made; at most `max_entries` entries and `max_bytes` of files are kept, the
least recently used dropped first. A caller that keeps the files longer (a job, whose folder goes when it
ends) gets them hard-linked into a folder of its own: a later eviction never pulls one from an upload.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")
_CHUNK = 1 << 20


def digest(path: str | Path) -> str:
    """The content's name: the same bytes under any file name are one entry."""
    hashed = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as source:
        while chunk := source.read(_CHUNK):
            hashed.update(chunk)
    return hashed.hexdigest()


@dataclass
class _Entry(Generic[T]):
    key: Hashable
    value: T
    folder: Path
    size: int
    pins: int = 0  # callers linking its files right now: an evicted entry's folder waits for them
    evicted: bool = False


@dataclass(frozen=True)
class Found(Generic[T]):
    value: T  # its paths are in `folder`
    folder: Path
    here: Path  # where the caller may use the files: `folder`, or the caller's own folder they were linked into

    def moved(self, path: Path) -> Path:
        """Where one of the value's files is for the caller; a file the check did not make stays where it is."""
        return self.here / path.relative_to(self.folder) if path.is_relative_to(self.folder) else path


class _Abandoned(Exception):
    """The caller that was to run a check went away before it started: one of the others runs it."""


class CheckCache:
    def __init__(self, decodes: asyncio.Semaphore, max_entries: int, max_bytes: int) -> None:
        self._decodes = decodes
        self._max_entries, self._max_bytes = max_entries, max_bytes
        self._root = Path(tempfile.mkdtemp(prefix="kling-inputs-"))
        weakref.finalize(self, shutil.rmtree, self._root, True)
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._flights: dict[Hashable, concurrent.futures.Future] = {}
        self._lock = threading.Lock()  # held for bookkeeping only, never while a file is read or written

    async def get(self, key: Hashable, check: Callable[[Path], T], into: Path | None = None) -> Found[T]:
        """The value for `key`; `check(folder)` runs only when no entry has it. With `into`, the files are
        linked there, for a caller that keeps them beyond the cache's say."""
        while True:
            entry, flight, mine = self._find(key, pin=into is not None)
            if entry is not None:  # None back when its files were removed under the cache: checked again
                if (found := await self._handed(entry, into)) is not None:
                    return found
            elif mine:
                entry = await self._check(key, check, flight, into)
                return Found(entry.value, entry.folder, into or entry.folder)
            else:
                with contextlib.suppress(_Abandoned):  # another caller's check of the very same inputs
                    await asyncio.wrap_future(flight)

    def _find(self, key: Hashable, pin: bool) -> tuple[_Entry | None, concurrent.futures.Future | None, bool]:
        """The entry; else the check under way; else a new check, the caller's to run (`mine`)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
                entry.pins += pin
                return entry, None, False
            if key in self._flights:
                return None, self._flights[key], False
            flight = self._flights[key] = concurrent.futures.Future()
            flight.set_running_or_notify_cancel()  # so one waiter's cancellation cannot cancel it for the others
            return None, flight, True

    async def _check(
        self, key: Hashable, check: Callable[[Path], T], flight: concurrent.futures.Future, into: Path | None
    ) -> _Entry[T]:
        started = False
        try:
            async with self._decodes:
                started = True
                # Once started, the thread finishes and stores the entry even if this caller goes away.
                return await asyncio.get_running_loop().run_in_executor(None, self._run, key, check, flight, into)
        finally:
            if not started:
                self._settle(key, flight, None, _Abandoned())

    def _run(
        self, key: Hashable, check: Callable[[Path], T], flight: concurrent.futures.Future, into: Path | None
    ) -> _Entry[T]:
        self._root.mkdir(parents=True, exist_ok=True)  # a /tmp cleaner may have removed it since
        folder = Path(tempfile.mkdtemp(dir=self._root))
        try:
            value = check(folder)
            if into is not None:  # before the entry is stored, so no eviction can come first
                link_files(folder, into)
        except BaseException as exc:
            shutil.rmtree(folder, ignore_errors=True)
            self._settle(key, flight, None, exc)
            raise
        entry = _Entry(key, value, folder, sum(path.stat().st_size for path in folder.iterdir()))
        for doomed in self._settle(key, flight, entry, None):
            shutil.rmtree(doomed, ignore_errors=True)
        return entry

    def _settle(
        self, key: Hashable, flight: concurrent.futures.Future, entry: _Entry | None, error: BaseException | None
    ) -> list[Path]:
        """Stores the entry and ends the check in one step (no caller can see neither); returns folders to remove."""
        with self._lock:
            if entry is not None:
                self._entries[key] = entry
                self._entries.move_to_end(key)
            if self._flights.get(key) is flight:
                del self._flights[key]
            doomed = self._evict(keep=key) if entry is not None else []
        flight.set_result(None) if error is None else flight.set_exception(error)
        return doomed

    def _evict(self, keep: Hashable) -> list[Path]:
        """The least recently used first, never the entry just made (an entry over the bound lasts until the next)."""
        total = sum(entry.size for entry in self._entries.values())
        doomed = []
        for key in list(self._entries):
            if len(self._entries) <= self._max_entries and total <= self._max_bytes:
                break
            if key == keep:
                continue
            entry = self._entries.pop(key)
            total -= entry.size
            entry.evicted = True
            if entry.pins == 0:
                doomed.append(entry.folder)
        return doomed

    async def _handed(self, entry: _Entry[T], into: Path | None) -> Found[T] | None:
        if into is None:
            return Found(entry.value, entry.folder, entry.folder)
        # Shielded: the thread must run to the end, where the entry is unpinned, even if the caller leaves.
        linked = await asyncio.shield(asyncio.to_thread(self._link, entry, into))
        return Found(entry.value, entry.folder, into) if linked else None

    def _link(self, entry: _Entry, into: Path) -> bool:
        try:
            link_files(entry.folder, into)
            return True
        except FileNotFoundError:  # a /tmp cleaner removed the entry's files
            with self._lock:
                if self._entries.get(entry.key) is entry:
                    del self._entries[entry.key]
            return False
        finally:
            with self._lock:
                entry.pins -= 1
                gone = entry.evicted and entry.pins == 0
            if gone:
                shutil.rmtree(entry.folder, ignore_errors=True)


def link_files(folder: Path, into: Path) -> None:
    """Hard links (nothing copied, and removing either name leaves the other), else copies (another disk)."""
    into.mkdir(parents=True, exist_ok=True)
    for source in folder.iterdir():
        target = into / source.name
        target.unlink(missing_ok=True)  # writing through an old link would change another entry's file
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
