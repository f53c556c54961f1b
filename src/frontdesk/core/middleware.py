"""Request hygiene shared by every surface."""

from django.http import HttpRequest, HttpResponse, JsonResponse

_NUL_MARKERS = (b"\x00", b"\\u0000", b"%00")


class RejectNulMiddleware:
    """Refuse NUL characters anywhere in a request (400) before they reach a view.

    PostgreSQL cannot store or compare a NUL in text, so such input would otherwise fail deep inside a
    query; no legitimate JSON or form field needs one. Multipart bodies are left alone: uploaded files
    (a PDF, say) contain NUL bytes legitimately, and Django's form fields already refuse NUL in text.
    """

    TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded", "text/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_query = request.META.get("QUERY_STRING", "").encode()
        path = request.path.encode()
        text_body = request.content_type.startswith(self.TEXT_BODIES)
        body = request.body if request.method in ("POST", "PUT", "PATCH") and text_body else b""
        if any(marker in part.lower() for part in (raw_query, path, body) for marker in _NUL_MARKERS):
            payload = {"code": "malformed_request", "message": "The request contains a NUL character; remove it."}
            return JsonResponse(payload, status=400)
        return self.get_response(request)
