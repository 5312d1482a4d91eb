"""Who a visitor is — decided here and nowhere else: their signed-in Hugging Face account, else their address.

An address is the connection's own, unless that connection is a proxy the owner trusts: then it is the
rightmost `X-Forwarded-For` hop the trusted proxies did not add. Every hop left of that is whatever the
client wrote, so it never counts. On a Space every connection comes through Hugging Face's proxy, which
appends the address it saw: the rightmost hop. uvicorn's own proxy-header rewriting is switched off at
launch (`UVICORN_TRUSTS_NO_PROXY`), so the address seen here is the socket's.
"""

from __future__ import annotations

import hashlib
import ipaddress
from dataclasses import dataclass

# uvicorn reads this when the server starts; empty: it rewrites no client address from headers.
UVICORN_TRUSTS_NO_PROXY = {"FORWARDED_ALLOW_IPS": ""}


@dataclass(frozen=True)
class Visitor:
    id: str  # "hf:<username>" or "ip:<address>"
    signed_in: bool

    @property
    def anonymous(self) -> bool:
        return not self.signed_in


@dataclass(frozen=True)
class Identities:
    """The one rule for who is calling. `trusted_proxies`: addresses or networks (CIDR) of the owner's proxies."""

    on_space: bool = False
    trusted_proxies: tuple[str, ...] = ()

    def visitor(self, username: str | None, peer: str | None, forwarded_for: str | None) -> Visitor:
        if username:
            return Visitor(f"hf:{username}", signed_in=True)
        return Visitor(f"ip:{self.address(peer, forwarded_for)}", signed_in=False)

    def address(self, peer: str | None, forwarded_for: str | None) -> str:
        peer = (peer or "").strip() or "unknown"
        if not (self.on_space or self._trusted(peer)):
            return peer
        hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
        for hop in reversed(hops):  # the rightmost hop was appended by the proxy nearest to us
            if not self._trusted(hop):
                return hop
        return peer

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return address in self.trusted_proxies
        return any(_contains(network, ip) for network in self.trusted_proxies)


def _contains(network: str, ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        return ip in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


def payer_of(visitor: Visitor, visitor_key: str | None) -> str:
    """Who pays for a job: a visitor's own key (by digest, never the key), else the owner's key for this visitor."""
    if visitor_key:
        return key_digest(visitor_key)
    return "owner:" + visitor.id


def key_digest(visitor_key: str) -> str:
    return "key:" + hashlib.sha256(visitor_key.encode()).hexdigest()[:24]
