"""The real client address behind a reverse proxy.

nginx passes the visitor's address in X-Forwarded-For. The header is trusted
only when the request comes straight from one of TRUSTED_PROXIES (addresses or
networks, e.g. 127.0.0.1 for nginx on the same machine, 10.0.0.0/8 for a load
balancer): anyone else could write any address into it. The address is the
right-most entry that is not itself a trusted proxy, so a visitor's forged
entries (on the left) are ignored. Sign-in lockout, rate limits, the SMS-code
limits and the Click callback log all read REMOTE_ADDR after this middleware.
"""

import ipaddress
from collections.abc import Callable, Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(value.strip(), strict=False) for value in proxies if value.strip())


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:51234
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: Iterable[Network]) -> bool:
    return any(address in network for network in networks)


def client_address(*, remote_addr: str, forwarded_for: str, trusted_proxies: Iterable[str]) -> str:
    """The client's address given the peer address and the X-Forwarded-For header."""
    networks = _networks(tuple(trusted_proxies))
    peer = _parse(remote_addr)
    if peer is None or not networks or not _trusted(peer, networks):
        return remote_addr
    for entry in reversed([part for part in forwarded_for.split(",") if part.strip()]):
        address = _parse(entry)
        if address is None:
            break  # garbage from the client side of the chain: stop at the last good hop
        if not _trusted(address, networks):
            return str(address)
        peer = address
    return str(peer)


def client_key(address: str) -> str:
    """What limits and lockouts count by: the address, or for IPv6 the first address of its /64
    (one subscriber usually holds a whole /64, so each of its addresses must not get a fresh
    count). Still an address: django-axes stores it in an address column."""
    parsed = _parse(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is None:
        return str(ipaddress.IPv6Network((parsed, 64), strict=False).network_address)
    return str(parsed.ipv4_mapped if isinstance(parsed, ipaddress.IPv6Address) else parsed or address)


def client_ip(request: HttpRequest) -> str:
    """The client of a request as limits count it (AXES_CLIENT_IP_CALLABLE): client_key of
    REMOTE_ADDR, which holds the real client address once the middleware ran."""
    return client_key(str(request.META.get("REMOTE_ADDR") or ""))


class RealClientAddressMiddleware:
    """Replaces REMOTE_ADDR with the real client address when a trusted proxy forwarded the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        remote = str(request.META.get("REMOTE_ADDR") or "")
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
        if forwarded and settings.TRUSTED_PROXIES:
            request.META["REMOTE_ADDR"] = client_address(
                remote_addr=remote, forwarded_for=forwarded, trusted_proxies=settings.TRUSTED_PROXIES
            )
        return self.get_response(request)
