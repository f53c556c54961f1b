"""Browser tests: Playwright (Python) driving Debian's Chromium headless, axe-core on every page.

Playwright's own browser download cannot work on these machines, so the tests launch /usr/bin/chromium
(`make test` installs it with apt when missing). axe-core comes from the npm package (`npm ci`), injected
as an init script so that it runs under the site's real content security policy.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make beside it
# are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("FRONTDESK_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    if not AXE.exists():
        missing.append(f"axe-core at {AXE} (npm ci)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[dev]')")
    if missing and not os.environ.get("CI"):
        skip = pytest.mark.skip(reason="browser tests need " + "; ".join(missing))
        for item in items:
            if "tests/e2e" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture
def browser():
    """Playwright and Chromium for one test, stopped before the test's database is emptied.

    Between its calls Playwright's sync API marks its event loop as running in the test's thread, and
    while a loop runs Django hands that thread another set of database connections (async-local, not
    thread-local). Kept for the session, it left every later test of the process on connections that
    lack the migrated-data snapshot, so transactional tests stopped restoring it.
    """
    from django.db import connections
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()
        connections.close_all()  # the connections this test's ORM calls made while the loop ran


class Visit:
    """A browser tab with the checks every page must pass: axe-core, no CSP violations, a screenshot."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.console_errors: list[str] = []
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def check(self, name: str) -> None:
        """axe-core finds no violation on the page as it is now; save a screenshot as an artifact."""
        page = self.page
        page.wait_for_load_state("load")
        results = page.evaluate("async () => await window.axe.run(document)")
        violations = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
            for v in results["violations"]
        ]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        assert not violations, f"axe violations on {name} ({page.url}):\n" + "\n".join(violations)
        csp = [e for e in self.console_errors if "Content Security Policy" in e]
        assert not csp, f"CSP violations on {name}: {csp}"

    # --- Keyboard only ---------------------------------------------------------------------------
    def tab_to(self, selector: str, limit: int = 120) -> None:
        """Press Tab until the element matching the selector has focus (fails if it never does)."""
        for _ in range(limit):
            if self.page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {selector} on {self.page.url}")

    def type_into(self, selector: str, text: str) -> None:
        self.tab_to(selector)
        self.page.keyboard.type(text)

    def choose_radio(self, name: str, value: str, limit: int = 80) -> None:
        """Tab into a radio group, then move with the arrow keys until the wanted radio is checked."""
        self.tab_to(f"input[type=radio][name='{name}']")
        for _ in range(limit):
            if self.page.evaluate("(s) => document.activeElement.matches(s)", f"input[name='{name}'][value='{value}']"):
                self.page.keyboard.press("Space")
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"arrow keys never reached {name}={value}")

    def choose_option(self, selector: str, label_pattern: str, limit: int = 40) -> None:
        """Focus a select by Tab, then ArrowDown until the selected option's label matches."""
        self.tab_to(selector)
        pattern = re.compile(label_pattern)
        for _ in range(limit):
            label = self.page.evaluate(
                "(s) => { const e = document.querySelector(s); return e.options[e.selectedIndex].text; }", selector
            )
            if pattern.search(label):
                return
            self.page.keyboard.press("ArrowDown")
        raise AssertionError(f"no option matching {label_pattern} in {selector}")

    def press_enter_on(self, selector: str) -> None:
        self.tab_to(selector)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")


@pytest.fixture
def visit(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.add_init_script(path=str(AXE))
    page = context.new_page()
    page.set_default_timeout(15000)
    yield Visit(page, live_server.url)
    context.close()


@pytest.fixture
def catalog():
    """The service catalog (a data migration): transactional tests flush it, so put it back."""
    from frontdesk.scheduling.catalog import catalog_sync
    from frontdesk.scheduling.models import Service

    catalog_sync(Service)
