"""Template context shared by every page: the language switcher and which part of the site we are in."""

from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language

from frontdesk.identity.oidc import enabled as signin_enabled

LANGUAGE_NAMES = {"en": "English", "es": "Español"}


def site(request: HttpRequest) -> dict:
    language = (get_language() or "en")[:2]
    other = "en" if language == "es" else "es"
    match = getattr(request, "resolver_match", None)
    public = match is not None and match.namespace == "public"
    return {
        "fd_language": language,
        "fd_other_language": other,
        "fd_other_language_name": LANGUAGE_NAMES[other],
        # GET pages keep their choices (office, service, time) in the query string, so switching
        # language keeps the person's place; a POST page falls back to its blank form.
        "fd_other_language_url": translate_url(request.get_full_path(), other) if public else "",
        "fd_public": public,
        # The sign-in link shows only when a provider is configured (docs/adr/0032).
        "fd_signin": public and signin_enabled(),
        "fd_signed_in": public and bool(request.session.get("fd_public_account"))
        if hasattr(request, "session")
        else False,
    }
