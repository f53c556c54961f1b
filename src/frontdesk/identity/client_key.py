"""Write the demo's OpenID client key (RSA, PEM) if it does not exist yet: `make run` calls this.

Login.gov authenticates the site by a JWT the site signs with this key (private_key_jwt); the public
half is what gets registered with the provider, printed here as a JWK. Production passes the path of
its own key in FRONTDESK_OIDC_CLIENT_KEY_FILE; no key is ever in the repository.
"""

import json
import sys
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def generate(path: Path) -> bool:
    """Create an RSA-2048 private key at `path` (mode 0600) unless one is there; True if created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.touch(mode=0o600)
    path.write_bytes(pem)
    return True


def public_jwk(path: Path) -> dict[str, Any]:
    from joserfc.jwk import RSAKey

    key = RSAKey.import_key(path.read_bytes())
    return {**key.as_dict(private=False), "use": "sig", "alg": "RS256"}


def main(target: str) -> None:
    path = Path(target)
    if generate(path):
        print(f"wrote the demo's OpenID client key to {path}; its public JWK: {json.dumps(public_jwk(path))}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "var/oidc-client-key.pem")
