"""The demo (config.settings.dev, what `make run` and gunicorn serve) runs with DEBUG off.

Each check starts a fresh interpreter on the demo settings, as the server would, with throwaway secrets
and its own var/ directory; it needs no database.
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client

client = Client(SERVER_NAME="127.0.0.1")
answers = {}
for path in ["/static/uswds/css/uswds.min.css", "/static/uswds/js/uswds.min.js", "/static/frontdesk/site.css",
             "/static/ninja/swagger-ui.css", "/api/v1/no-such-endpoint", "/no-such-page/"]:
    response = client.get(path)
    body = "" if path.startswith("/static/") else b"".join(response).decode("utf-8", "replace")
    answers[path] = [response.status_code, response["Content-Type"], body]
print(json.dumps({"DEBUG": settings.DEBUG, "DEMO": settings.FRONTDESK_DEMO, "answers": answers}))
"""


def probe(tmp_path: Path, **env: str) -> dict:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "FRONTDESK_", "DATABASE_"))
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        FRONTDESK_PII_HASH_KEY=secrets.token_hex(32),
        FRONTDESK_PSEUDONYM_KEY=secrets.token_hex(32),
        FRONTDESK_PII_ENCRYPTION_KEYS=secrets.token_hex(32),
        FRONTDESK_SECRETS_FILE="/nonexistent",
        FRONTDESK_VAR_DIR=str(tmp_path),
        **env,
    )
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    return probe(tmp_path_factory.mktemp("demo-var"))


def test_the_demo_runs_with_debug_off(demo):
    assert demo["DEBUG"] is False
    assert demo["DEMO"] is True  # its conveniences (`frontdesk mfa_code`) hang on this, not on DEBUG


@pytest.mark.parametrize(
    "path", ["/static/uswds/css/uswds.min.css", "/static/uswds/js/uswds.min.js", "/static/frontdesk/site.css"]
)
def test_the_demo_still_serves_static_files_with_debug_off(demo, path):
    status, content_type, _ = demo["answers"][path]
    assert status == 200
    assert content_type.startswith(("text/css", "text/javascript", "application/javascript"))


def test_the_demo_serves_the_api_docs_assets(demo):
    assert demo["answers"]["/static/ninja/swagger-ui.css"][0] == 200


def test_the_demo_answers_unknown_api_paths_in_json_not_with_the_debug_page(demo):
    status, content_type, body = demo["answers"]["/api/v1/no-such-endpoint"]
    assert status == 404 and content_type.startswith("application/json")
    assert json.loads(body)["code"] == "not_found"
    assert "URLconf" not in body


def test_the_demo_answers_unknown_pages_with_the_sites_404(demo):
    status, content_type, body = demo["answers"]["/no-such-page/"]
    assert status == 404 and content_type.startswith("text/html")
    assert "We can\u2019t find that page" in body and "URLconf" not in body


def test_a_developer_can_still_ask_for_debug(tmp_path):
    assert probe(tmp_path, DJANGO_DEBUG="1")["DEBUG"] is True
