"""Who a visitor is, for the owner's budget: their Hugging Face account when signed in, else their address."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Visitor:
    id: str  # "hf:<username>" or "ip:<address>"
    signed_in: bool


def identify(username: str | None, client_host: str | None, forwarded_for: str | None, behind_proxy: bool) -> Visitor:
    """On a Space the app sits behind Hugging Face's proxy: the visitor's address is the first
    X-Forwarded-For hop. Elsewhere that header is the caller's own claim, so the socket's address counts."""
    if username:
        return Visitor(f"hf:{username}", signed_in=True)
    first_hop = (forwarded_for or "").split(",")[0].strip()
    address = first_hop if behind_proxy and first_hop else (client_host or "unknown")
    return Visitor(f"ip:{address}", signed_in=False)


def payer_of(visitor: Visitor, visitor_key: str | None) -> str:
    """Who pays for a job: a visitor's own key (by digest, never the key), else the owner's key for this visitor."""
    if visitor_key:
        return "key:" + hashlib.sha256(visitor_key.encode()).hexdigest()[:24]
    return "owner:" + visitor.id
