"""Argument types for management commands: a value out of range is argparse's own error (a usage
line and exit 2, or CommandError through call_command), never a traceback from deeper down
(timedelta's OverflowError, httpx's InvalidURL)."""

import argparse
from collections.abc import Callable
from urllib.parse import urlsplit


def int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be from {low} to {high}, not {value}")
        return value

    return parse


def http_url(text: str) -> str:
    """An http(s) address with a host: the base URL of a site to call."""
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 — raises ValueError for a port that is not one
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a URL: {text[:80]!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"not an http(s) URL with a host: {text[:80]!r}")
    return text
