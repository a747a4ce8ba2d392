"""django-csp's middleware with the site's policy built once per process, not twice per response.

django-csp 4 builds the header from settings.CONTENT_SECURITY_POLICY (and the report-only one) on
every response, although it only changes when a view asks for another (the csp_update/csp_replace/
csp_exempt decorators) or a template uses a nonce. Such responses, and every response with DEBUG
on, still go through django-csp's own path.
"""

from csp.constants import HEADER
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.utils.functional import cached_property

# What the decorators of csp.decorators set on a response to change its policy.
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)


class CSPMiddleware(BaseCSPMiddleware):
    @cached_property
    def _policy(self):
        # The settings are read once: with a report-only policy or excluded prefixes, django-csp decides.
        simple = not settings.DEBUG and not getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
        simple = simple and not (settings.CONTENT_SECURITY_POLICY or {}).get("EXCLUDE_URL_PREFIXES")
        return build_policy() if simple else None

    def process_response(self, request, response):
        if (
            self._policy is None
            or getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in _PER_RESPONSE)
        ):
            return super().process_response(request, response)
        if HEADER not in response:
            response[HEADER] = self._policy
        # As django-csp does: a nonce asked for after the header was written is an error, not a hole.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
