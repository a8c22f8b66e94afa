"""The public pages' Content-Security-Policy: scripts, styles and images from this site only (the
pages have no inline script), nothing framed, and no framing of the pages except by the sites
listed in PAGES_FRAME_ANCESTORS (hosts who embed their booking page on their own site)."""

from django.conf import settings


def policy() -> str:
    ancestors = " ".join(settings.PAGES_FRAME_ANCESTORS) or "'none'"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'self'",
            f"frame-ancestors {ancestors}",
        ]
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.app_name == "pages":
            response.setdefault("Content-Security-Policy", policy())
            if settings.PAGES_FRAME_ANCESTORS:
                # The policy's frame-ancestors allows the listed sites; X-Frame-Options would not.
                del response["X-Frame-Options"]
        return response
