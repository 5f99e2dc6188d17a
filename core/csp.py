"""django-csp's middleware with the policy built once, not on every response.

django-csp 4 rebuilds the header from `CONTENT_SECURITY_POLICY` on each response (a deep
copy of the settings, a dataclass turned into a dict, every directive joined): about 60 µs,
a third of what the trivial view costs in-process. Our policy is the same for every response
unless a view changes it (`@csp_update`, `@csp_replace`, `@csp`, `@csp_exempt`) or a template
asks for a nonce; those responses still go through django-csp's own code. The others get
the header django-csp itself built, once per process and per settings object (a test's
`override_settings` makes a new one, and `setting_changed` clears the cache too).
"""

from __future__ import annotations

import http.client
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase

_OVERRIDES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt",
    "_csp_exempt_ro",
)
_DEBUG_EXEMPT = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)
# setting name -> (the settings object the header was built from, the header, excluded prefixes)
_cache: dict[str, tuple[Any, str, tuple[str, ...]]] = {}


@receiver(setting_changed)
def _policy_forget(setting: str, **kwargs: object) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _cache.clear()


def _policy(setting: str) -> tuple[str, tuple[str, ...]]:
    """The header django-csp builds from `setting` with no per-response change, and its excluded prefixes."""
    config = getattr(settings, setting, None)
    cached = _cache.get(setting)
    if cached is None or cached[0] is not config:
        header = build_policy(report_only=setting.endswith("_REPORT_ONLY"))
        prefixes = tuple((config or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
        cached = _cache[setting] = (config, header, prefixes)
    return cached[1], cached[2]


class CSPMiddleware(BaseCSPMiddleware):
    async_capable = False

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        # MiddlewareMixin's __call__ without its per-request lookups (sync only: under ASGI
        # Django runs this synchronous stack on a thread, as it did before).
        self.process_request(request)
        return self.process_response(request, self.get_response(request))

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        nonce_used = getattr(request, "_csp_nonce", None) is not None
        if nonce_used or any(getattr(response, name, None) is not None for name in _OVERRIDES):
            return super().process_response(request, response)  # a policy of its own: django-csp builds it
        if response.status_code in _DEBUG_EXEMPT and settings.DEBUG:
            return response
        for setting, header in (
            ("CONTENT_SECURITY_POLICY", HEADER),
            ("CONTENT_SECURITY_POLICY_REPORT_ONLY", HEADER_REPORT_ONLY),
        ):
            policy, prefixes = _policy(setting)
            if policy and header not in response and not request.path_info.startswith(prefixes):
                response[header] = policy
        # As django-csp: a nonce asked for after the header was written is an error, not a silent gap.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
