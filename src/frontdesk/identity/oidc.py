"""The OpenID Connect relying party, set up the way Login.gov asks (docs/adr/0032).

Authlib does the protocol: the authorization URL with PKCE (S256), the token request authenticated with
`private_key_jwt` (an RS256 assertion signed by the client's key), and joserfc (Authlib's JOSE library)
checks the ID token. What this module adds is the policy: which claims must hold (issuer, audience,
expiry, nonce, acr), what each assurance level asks for, and the provider's metadata, fetched from its
issuer and refused when it names another issuer.

Nothing here touches a request or a session: the caller keeps `Pending` between the two legs.
"""

import datetime as dt
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from django.conf import settings
from joserfc import jwt
from joserfc.errors import ClaimError, ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

from .models import Level

ACR: dict[str, str] = {
    Level.IAL1: "http://idmanagement.gov/ns/assurance/ial/1",
    Level.IAL2: "http://idmanagement.gov/ns/assurance/ial/2",
}
LEVEL_OF_ACR = {value: key for key, value in ACR.items()}
# IAL2 asks for the attributes matched against the agency's records (services.matching_people).
SCOPES: dict[str, str] = {
    Level.IAL1: "openid email",
    Level.IAL2: "openid email profile social_security_number",
}
PENDING_TTL = dt.timedelta(minutes=10)
METADATA_TTL = 3600
CLOCK_LEEWAY = 60  # seconds of clock difference tolerated between the provider and us


class SignInNotSetUp(Exception):
    """No issuer is configured: sign-in is switched off."""


class SignInFailed(Exception):
    """The provider's answer cannot be trusted or the person stopped; `code` says which (never personal)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ProviderConfig:
    issuer: str
    client_id: str
    key_file: str
    timeout: float = 10.0


@dataclass(frozen=True)
class Pending:
    """What the first leg remembers for the second: kept server-side in the session, never in the URL."""

    state: str
    nonce: str
    code_verifier: str
    level: str
    started: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> "Pending | None":
        if not isinstance(data, dict):
            return None
        try:
            return cls(**{k: data[k] for k in ("state", "nonce", "code_verifier", "level", "started")})
        except (KeyError, TypeError):
            return None


@dataclass(frozen=True)
class SignedIn:
    claims: dict[str, Any]  # the verified ID token's claims merged with the userinfo answer (same `sub`)
    level: str
    id_token: str


def provider_config() -> ProviderConfig:
    issuer = getattr(settings, "FRONTDESK_OIDC_ISSUER", "").rstrip("/")
    client_id = getattr(settings, "FRONTDESK_OIDC_CLIENT_ID", "")
    if not issuer or not client_id:
        raise SignInNotSetUp()
    return ProviderConfig(
        issuer=issuer,
        client_id=client_id,
        key_file=getattr(settings, "FRONTDESK_OIDC_CLIENT_KEY_FILE", ""),
        timeout=float(getattr(settings, "FRONTDESK_OIDC_TIMEOUT", 10.0)),
    )


def provider_origin() -> str:
    """The issuer's origin (scheme, host and port), for the content security policy."""
    parts = urlsplit(provider_config().issuer)
    return f"{parts.scheme}://{parts.netloc}"


def enabled() -> bool:
    try:
        provider_config()
    except SignInNotSetUp:
        return False
    return True


_metadata_cache: dict[str, tuple[float, dict[str, Any]]] = {}
_metadata_lock = threading.Lock()


def _get_json(url: str, config: ProviderConfig) -> dict[str, Any]:
    try:
        response = requests.get(url, timeout=config.timeout, headers={"Accept": "application/json"})
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError) as error:
        raise SignInFailed("provider_unreachable") from error
    if not isinstance(data, dict):
        raise SignInFailed("provider_unreachable")
    return data


def provider_metadata(config: ProviderConfig) -> dict[str, Any]:
    """The issuer's discovery document, cached; refused when it names another issuer (OIDC Discovery 4.3),
    since tokens would then be checked against an issuer the settings never named."""
    with _metadata_lock:
        cached = _metadata_cache.get(config.issuer)
        if cached and cached[0] > time.monotonic():
            return cached[1]
    metadata = _get_json(f"{config.issuer}/.well-known/openid-configuration", config)
    if metadata.get("issuer") != config.issuer:
        raise SignInFailed("issuer_mismatch")
    for field in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(metadata.get(field), str):
            raise SignInFailed("provider_unreachable")
    with _metadata_lock:
        _metadata_cache[config.issuer] = (time.monotonic() + METADATA_TTL, metadata)
    return metadata


def _client(config: ProviderConfig, redirect_uri: str, level: str = Level.IAL1) -> OAuth2Session:
    try:
        key = Path(config.key_file).read_text() if config.key_file else ""
    except OSError as error:
        raise SignInNotSetUp() from error
    session = OAuth2Session(
        config.client_id,
        key,
        token_endpoint_auth_method="private_key_jwt",  # noqa: S106 (a method's name, not a secret)
        scope=SCOPES[level],
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
    )
    session.register_client_auth_method(PrivateKeyJWT(alg="RS256"))
    return session


def authorization_start(*, level: str, redirect_uri: str) -> tuple[str, Pending]:
    """The provider's authorization URL for this level, and what the callback must find again."""
    if level not in ACR:
        raise SignInFailed("unknown_level")
    config = provider_config()
    metadata = provider_metadata(config)
    pending = Pending(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        code_verifier=secrets.token_urlsafe(64),
        level=level,
        started=time.time(),
    )
    url, _ = _client(config, redirect_uri, level).create_authorization_url(
        metadata["authorization_endpoint"],
        state=pending.state,
        code_verifier=pending.code_verifier,
        nonce=pending.nonce,
        acr_values=ACR[level],
    )
    return url, pending


def _verify_id_token(
    token: str, *, config: ProviderConfig, metadata: Mapping[str, Any], nonce: str, now: float
) -> dict[str, Any]:
    keys = KeySet.import_key_set(_get_json(metadata["jwks_uri"], config))  # type: ignore[arg-type]
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    try:
        decoded = jwt.decode(token, keys, algorithms=[a for a in algorithms if a != "none"])
        registry = jwt.JWTClaimsRegistry(
            now=int(now),
            leeway=CLOCK_LEEWAY,
            iss={"essential": True, "value": config.issuer},
            aud={"essential": True, "value": config.client_id},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        registry.validate(decoded.claims)
    except (JoseError, ValueError) as error:
        raise SignInFailed(_token_error(error)) from error
    claims = dict(decoded.claims)
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != config.client_id:
        raise SignInFailed("bad_token")
    return claims


def _token_error(error: Exception) -> str:
    if isinstance(error, ExpiredTokenError):
        return "token_expired"
    claim = getattr(error, "claim", "") if isinstance(error, ClaimError) else ""
    return {"nonce": "nonce_mismatch", "iss": "issuer_mismatch"}.get(claim, "bad_token")


def authorization_finish(
    *, pending: Pending | None, params: Mapping[str, str], redirect_uri: str, now: float | None = None
) -> SignedIn:
    """Check the provider's answer and redeem the code: the state this browser was given, the `iss` the
    provider names (RFC 9207), the code exchanged with the PKCE verifier and a private_key_jwt assertion,
    then the ID token (signature, issuer, audience, expiry, nonce) and its acr. Raises SignInFailed."""
    config = provider_config()
    now = time.time() if now is None else now
    if pending is None or now - pending.started > PENDING_TTL.total_seconds():
        raise SignInFailed("no_sign_in_started")
    if not secrets.compare_digest(str(params.get("state", "")), pending.state):
        raise SignInFailed("state_mismatch")
    if params.get("error"):
        raise SignInFailed("cancelled" if params.get("error") == "access_denied" else "provider_refused")
    if "iss" in params and params["iss"] != config.issuer:
        raise SignInFailed("issuer_mismatch")
    code = str(params.get("code", ""))
    if not code or len(code) > 2048:
        raise SignInFailed("provider_refused")
    metadata = provider_metadata(config)
    client = _client(config, redirect_uri, pending.level)
    try:
        token = client.fetch_token(
            metadata["token_endpoint"], code=code, code_verifier=pending.code_verifier, timeout=config.timeout
        )
    except OAuthError as error:
        raise SignInFailed("code_refused") from error
    except (requests.RequestException, ValueError) as error:
        raise SignInFailed("provider_unreachable") from error
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SignInFailed("bad_token")
    claims = _verify_id_token(id_token, config=config, metadata=metadata, nonce=pending.nonce, now=now)
    level = LEVEL_OF_ACR.get(str(claims.get("acr", "")))
    if level is None:
        raise SignInFailed("bad_token")
    if metadata.get("userinfo_endpoint") and token.get("access_token"):
        try:
            answer = client.get(metadata["userinfo_endpoint"], timeout=config.timeout)
            answer.raise_for_status()
            userinfo = answer.json()
        except (requests.RequestException, ValueError, OAuthError) as error:
            raise SignInFailed("provider_unreachable") from error
        # OIDC Core 5.3.2: a userinfo answer about anyone else is discarded, never merged.
        if not isinstance(userinfo, dict) or userinfo.get("sub") != claims["sub"]:
            raise SignInFailed("bad_token")
        claims = {**userinfo, **claims}
    return SignedIn(claims=claims, level=level, id_token=id_token)


def end_session_url(*, id_token: str, state: str, post_logout_redirect_uri: str) -> str | None:
    """Where to send the browser so that the provider ends its session too (RP-Initiated Logout 1.0)."""
    try:
        config = provider_config()
        endpoint = provider_metadata(config).get("end_session_endpoint")
    except (SignInNotSetUp, SignInFailed):
        return None
    if not isinstance(endpoint, str):
        return None
    query = {"client_id": config.client_id, "post_logout_redirect_uri": post_logout_redirect_uri, "state": state}
    if id_token:
        query["id_token_hint"] = id_token
    return f"{endpoint}?{urlencode(query)}"
