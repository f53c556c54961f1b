"""Start the test OpenID provider (tests/oidc/provider.mjs, Node's `oidc-provider`) and walk its redirects.

The provider is real: discovery, JWKS, the authorization and token endpoints, PKCE and private_key_jwt
are oidc-provider's own. Only the login screen is replaced: the test names the user to sign in.
"""

import json
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

from frontdesk.identity.client_key import generate, public_jwk

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve().parent / "provider.mjs"
PORTS = range(8210, 8220)  # this project's ports for the test provider; any free one otherwise
CLIENT_ID = "urn:gov:gsa:openidconnect.profiles:sp:sso:ssa:frontdesk-test"

USERS = {
    # proofed at IAL2 with a verified SSN: matched by name, birth date and the SSN's keyed hash
    "ana": {
        "email": "ana@example.org",
        "ial2": True,
        "given_name": "Ana",
        "family_name": "Rivera",
        "birthdate": "1960-05-17",
        "social_security_number": "123-45-6789",
    },
    # proofed at IAL2, no SSN asserted: matched only when exactly one record without an SSN fits
    "maria": {
        "email": "maria@example.org",
        "ial2": True,
        "given_name": "María",
        "family_name": "García",
        "birthdate": "1980-04-02",
    },
    # never proofed: signs in at IAL1 whatever is asked
    "sam": {"email": "sam@example.org", "ial2": False},
}


def _free_port() -> int:
    for port in [*PORTS, 0]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise RuntimeError("no free port for the test OpenID provider")


@dataclass
class TestProvider:
    issuer: str
    client_id: str
    key_file: Path
    process: subprocess.Popen
    log: Path
    users: dict = field(default_factory=dict)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_provider(workdir: Path, site_bases: list[str]) -> TestProvider:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").exists():
        raise RuntimeError("the OpenID tests need Node and `npm ci` (oidc-provider in node_modules)")
    workdir.mkdir(parents=True, exist_ok=True)
    key_file = workdir / "client-key.pem"
    generate(key_file)
    # Started on a port probed free; a race with another process taking it shows as a failed start.
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    config = {
        "port": port,
        "issuer": issuer,
        "client": {
            "client_id": CLIENT_ID,
            "jwk": public_jwk(key_file),
            "redirect_uris": [f"{base}/signin/callback/" for base in site_bases],
            "post_logout_redirect_uris": [f"{base}/signout/done/" for base in site_bases],
        },
        "users": USERS,
    }
    config_file = workdir / "provider.json"
    config_file.write_text(json.dumps(config))
    log = workdir / "provider.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (our own script, fixed arguments)
            [node, str(SCRIPT), str(config_file)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the test OpenID provider stopped: {log.read_text()[-2000:]}")
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).ok:
                return TestProvider(issuer, CLIENT_ID, key_file, process, log, USERS)
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the test OpenID provider did not start: {log.read_text()[-2000:]}")


def walk_provider(browser: requests.Session, url: str, *, issuer: str, user: str, until: Callable[[str], bool]) -> str:
    """Follow the provider's redirects (signing `user` in at its interaction pages) until one leaves for
    an address `until` accepts; return that address."""
    for _ in range(12):
        if until(url):
            return url
        if not url.startswith(issuer):
            raise AssertionError(f"the provider sent the browser to {url}")
        path = urlsplit(url).path
        if path.startswith("/interaction/"):
            url = f"{url}?user={user}"
        response = browser.get(url, allow_redirects=False, timeout=10)
        if response.status_code not in (302, 303):
            raise AssertionError(f"the provider answered {response.status_code} at {url}: {response.text[:500]}")
        url = urljoin(url, response.headers["Location"])
    raise AssertionError("the provider kept redirecting")
