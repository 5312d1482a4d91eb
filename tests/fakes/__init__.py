"""Fakes shared by the tests and the benchmark: fal's queue and storage over loopback HTTP, and
small media files made on the spot.

The benchmark runs `FakeFal` in a process of its own (bench/fake_server.py) and the tests in a
thread (`FakeFalServer`); both use this one package so they exercise the same protocol.
"""

from tests.fakes.fal import FakeFal
from tests.fakes.records import FakeJob, Seen, job_stats
from tests.fakes.server import CutShort, FakeFalServer, error_response
from tests.fakes.storage import FakeStorage

__all__ = ["CutShort", "FakeFal", "FakeFalServer", "FakeJob", "FakeStorage", "Seen", "error_response", "job_stats"]
