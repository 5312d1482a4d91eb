"""The settings that govern running jobs: concurrency pools, the owner's budget caps, disk use.

Split from settings.py (models and input limits) to keep each module small.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # names for annotations only: no import at run time
    from components.config.settings_fields import FieldReader


@dataclass(frozen=True)
class Jobs:
    poll_interval_seconds: float
    timeout_seconds: float
    # Three pools, so free previews can never starve paying jobs, nor visitors' keys the owner's.
    max_concurrent: int  # jobs on visitors' own keys
    max_concurrent_owner: int  # jobs on the app's FAL_KEY
    max_concurrent_previews: int  # local previews (CPU-bound)
    max_decodes_at_once: int  # input checks that decode audio and images (CPU and memory)


@dataclass(frozen=True)
class Budget:
    """What the app's own FAL_KEY may be spent on; a visitor's own key is never limited by it."""

    max_seconds_per_request: float
    max_dollars_per_request: float
    max_dollars_per_visitor_per_day: float
    max_jobs_per_visitor_at_once: int
    max_dollars_per_day: float  # the whole app, all visitors, per UTC day
    owner_key_requires_login: bool  # true: anonymous visitors bring their own key or use the preview
    # What every visitor who is not signed in may spend together in a day: rotating addresses cannot
    # take the whole day from signed-in visitors.
    max_dollars_per_day_anonymous: float = 20.0


@dataclass(frozen=True)
class Storage:
    keep_videos_hours: float
    # One budget for every file the app leaves on disk: videos, spoken scripts and Gradio's cached copies.
    max_mb: float


def parse_jobs(reader: FieldReader, root: dict) -> Jobs:
    raw = reader.known(reader.mapping(reader.get(root, "jobs", ""), "jobs"), "jobs", _names(Jobs))
    cpus = os.cpu_count() or 2

    def count(name: str, default: int | None = None) -> int:
        return int(reader.number(raw, name, "jobs", minimum=1, integer=True, default=default))

    return Jobs(
        poll_interval_seconds=reader.number(raw, "poll_interval_seconds", "jobs", minimum=0.05),
        timeout_seconds=reader.number(raw, "timeout_seconds", "jobs", minimum=1),
        max_concurrent=count("max_concurrent"),
        max_concurrent_owner=count("max_concurrent_owner", default=10),
        max_concurrent_previews=count("max_concurrent_previews", default=cpus),
        max_decodes_at_once=count("max_decodes_at_once", default=cpus),
    )


def parse_budget(reader: FieldReader, root: dict) -> Budget:
    raw = reader.known(reader.mapping(reader.get(root, "budget", ""), "budget"), "budget", _names(Budget))
    return Budget(
        max_seconds_per_request=reader.number(raw, "max_seconds_per_request", "budget", minimum=0),
        max_dollars_per_request=reader.number(raw, "max_dollars_per_request", "budget", minimum=0),
        max_dollars_per_visitor_per_day=reader.number(raw, "max_dollars_per_visitor_per_day", "budget", minimum=0),
        max_jobs_per_visitor_at_once=int(
            reader.number(raw, "max_jobs_per_visitor_at_once", "budget", minimum=0, integer=True)
        ),
        max_dollars_per_day=reader.number(raw, "max_dollars_per_day", "budget", minimum=0),
        owner_key_requires_login=reader.flag(raw, "owner_key_requires_login", "budget", default=False),
        max_dollars_per_day_anonymous=reader.number(
            raw, "max_dollars_per_day_anonymous", "budget", minimum=0, default=20
        ),
    )


def parse_trusted_proxies(reader: FieldReader, root: dict) -> tuple[str, ...]:
    """`identity.trusted_proxies`: the owner's proxies (addresses or CIDR networks) whose
    X-Forwarded-For hops may be believed. Default none: off a Space the connection's address counts."""
    raw = reader.known(reader.mapping(root.get("identity", {}), "identity"), "identity", ("trusted_proxies",))
    proxies = raw.get("trusted_proxies", [])
    if not isinstance(proxies, list):
        raise reader.error("identity.trusted_proxies", "must be a list of addresses or networks", proxies)
    for proxy in proxies:
        try:
            ipaddress.ip_network(str(proxy), strict=False)
        except ValueError:
            raise reader.error("identity.trusted_proxies", "must hold IP addresses or CIDR networks", proxy) from None
    return tuple(str(proxy) for proxy in proxies)


def parse_storage(reader: FieldReader, root: dict) -> Storage:
    names = (*_names(Storage), "max_videos_mb")
    raw = reader.known(reader.mapping(root.get("storage", {}), "storage"), "storage", names)
    if "max_videos_mb" in raw:  # the old name, from when the budget covered videos only
        if "max_mb" in raw:
            raise reader.error("storage.max_videos_mb", "was renamed max_mb: keep only max_mb", raw["max_videos_mb"])
        raw = {**raw, "max_mb": raw["max_videos_mb"]}
    return Storage(
        keep_videos_hours=reader.number(raw, "keep_videos_hours", "storage", minimum=0.01, default=72),
        max_mb=reader.number(raw, "max_mb", "storage", minimum=1, default=2000),
    )


def parse_free_work(reader: FieldReader, root: dict) -> int:
    """`limits.free_per_visitor_per_minute`: uploads, local previews and offline voices, per visitor."""
    raw = reader.mapping(reader.get(root, "limits", ""), "limits")
    return int(reader.number(raw, "free_per_visitor_per_minute", "limits", minimum=1, integer=True, default=20))


def parse_sharing(reader: FieldReader, root: dict) -> bool:
    """`sharing.enabled`: whether a finished video may be shared by link (default true, as shipped)."""
    raw = reader.known(reader.mapping(root.get("sharing", {}), "sharing"), "sharing", ("enabled",))
    return reader.flag(raw, "enabled", "sharing", default=True)


def _names(section: type) -> tuple[str, ...]:
    """A section's keys are its dataclass's fields, so a new setting is known the moment it exists."""
    return tuple(f.name for f in fields(section))
