"""Signing in through the test provider with Django's test client on our side and `requests` on the
provider's: every redirect between the two is a real HTTP answer followed by hand."""

from urllib.parse import parse_qs, urlsplit

import requests
from django.test import Client

from tests.oidc.harness import TestProvider, walk_provider

CALLBACK = "http://testserver/signin/callback/"


def to_provider(web: Client, level: str, prefix: str = "") -> str:
    """Start a sign-in on the site; the provider's authorization URL it redirects to."""
    response = web.get(f"{prefix}/signin/", {"level": level})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


def provider_answer(provider: TestProvider, url: str, user: str, browser: requests.Session | None = None) -> str:
    """Sign `user` in at the provider; the callback URL (with code, state and iss) it sends the browser to."""
    return walk_provider(
        browser or requests.Session(), url, issuer=provider.issuer, user=user, until=lambda u: u.startswith(CALLBACK)
    )


def callback(web: Client, url: str):
    parts = urlsplit(url)
    return web.get(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()})


def sign_in(web: Client, provider: TestProvider, user: str, level: str, prefix: str = ""):
    return callback(web, provider_answer(provider, to_provider(web, level, prefix), user))
