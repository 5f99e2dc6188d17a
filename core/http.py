from urllib.parse import urlsplit

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request: HttpRequest, target: str, fallback: str) -> str:
    """`target` when it points back into this site (no open redirect), else `fallback`.

    Only a path from the site's root or a full URL: "abc" is neither (and redirect() would take a
    bare word for a URL name to reverse)."""
    if target.startswith(("/", "http://", "https://")) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def referer_path(request: HttpRequest) -> str:
    """The page a request came from (its Referer) as a path with its query, when it is on this
    site; "" when unknown or elsewhere."""
    referer = safe_next(request, request.headers.get("Referer", ""), "")
    if not referer:
        return ""
    parts = urlsplit(referer)
    return parts.path + (f"?{parts.query}" if parts.query else "")
