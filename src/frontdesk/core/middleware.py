"""Request hygiene shared by every surface."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

_NUL_MARKERS = (b"\x00", b"\\u0000", b"%00")


class RejectNulMiddleware:
    """Refuse NUL characters anywhere in a request (400) before they reach a view.

    PostgreSQL cannot store or compare a NUL in text, so such input would otherwise fail deep inside a
    query; no legitimate JSON or form field needs one. Multipart bodies are left alone: uploaded files
    (a PDF, say) contain NUL bytes legitimately, and Django's form fields already refuse NUL in text.
    """

    TEXT_BODIES = ("application/json", "application/x-www-form-urlencoded", "text/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw_query = request.META.get("QUERY_STRING", "").encode()
        path = request.path.encode()
        text_body = (request.content_type or "").startswith(self.TEXT_BODIES)
        body = request.body if request.method in ("POST", "PUT", "PATCH") and text_body else b""
        if any(marker in part.lower() for part in (raw_query, path, body) for marker in _NUL_MARKERS):
            payload = {"code": "malformed_request", "message": "The request contains a NUL character; remove it."}
            return JsonResponse(payload, status=400)
        return self.get_response(request)


def _under_api(request: HttpRequest) -> bool:
    return request.path_info.startswith("/api/")


class JsonBodiesOnlyMiddleware:
    """Under /api/, a request with a body must say it is JSON (415 otherwise).

    django-ninja parses the body as JSON whatever the Content-Type says, so a booking sent as
    text/plain, as application/octet-stream or with no type at all was processed, and the checks that
    depend on the declared type (NUL refusal, CSRF's form parsing) never saw it. Saying what was wrong
    is kinder than guessing. A POST with no body (release, cancel-by-id) needs no type.
    """

    JSON_TYPES = ("application/json",)

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        # After URL resolution, so that an unknown address stays a 404 whatever its body.
        if not (_under_api(request) and request.method in ("POST", "PUT", "PATCH") and self._has_body(request)):
            return None
        media_type = (request.content_type or "").lower()
        if media_type in self.JSON_TYPES or (media_type.startswith("application/") and media_type.endswith("+json")):
            return None
        said = media_type or "none"
        payload = {
            "code": "unsupported_media_type",
            "message": f"Send the body as JSON with Content-Type: application/json (this one said {said}).",
        }
        return JsonResponse(payload, status=415, headers={"Accept-Post": "application/json"})

    @staticmethod
    def _has_body(request: HttpRequest) -> bool:
        length = request.META.get("CONTENT_LENGTH") or "0"
        return request.META.get("HTTP_TRANSFER_ENCODING") is not None or (length.isdigit() and int(length) > 0)


class ApiNoStoreMiddleware:
    """API answers are not kept by browsers or proxies unless the view says they may be.

    Staff and disclosure endpoints answer with personal data, and so do the public look-ups by
    confirmation code; a shared cache or the browser's back button must not keep them. Views that
    serve public, cacheable data set their own Cache-Control, which is left as it is.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if _under_api(request) and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
