"""`make run` writes the demo's OpenID client key once, readable by its owner only, and never replaces it."""

import stat

from frontdesk.identity.client_key import generate, main, public_jwk


def test_the_key_is_written_once_and_kept_private(tmp_path, capsys):
    path = tmp_path / "var" / "oidc-client-key.pem"
    main(str(path))
    first = path.read_bytes()
    assert first.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    printed = capsys.readouterr().out
    jwk = public_jwk(path)
    assert jwk["kty"] == "RSA" and jwk["alg"] == "RS256" and "d" not in jwk  # the public half only
    assert jwk["n"] in printed
    assert generate(path) is False and path.read_bytes() == first
