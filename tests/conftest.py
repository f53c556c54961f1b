import asyncio

import pytest
from hypothesis import settings

# Property tests assert behaviour, never speed: on a loaded machine one example can take longer than
# Hypothesis's default 200 ms deadline, and that is not a failure (speed is `make bench`'s to measure).
settings.register_profile("frontdesk", deadline=None)
settings.load_profile("frontdesk")

# A test runs as a Django TransactionTestCase (real commits, emptied tables afterwards) when its
# django_db marker asks for transaction or reset_sequences, or when it takes one of these fixtures,
# directly or through another fixture: pytest-django's _django_db_helper decides the same way.
TRANSACTIONAL_FIXTURES = frozenset({"transactional_db", "live_server", "django_db_reset_sequences"})


@pytest.fixture(autouse=True)
def _fresh_geo_cache():
    from frontdesk.offices.geo import forget_positions

    forget_positions()
    yield
    forget_positions()


@pytest.fixture(autouse=True)
def _empty_outboxes():
    """Queued tasks and text messages start empty in every test, as pytest-django does for mail.outbox."""
    from django_tasks import default_task_backend

    from frontdesk.scheduling.sms import MemorySmsBackend

    default_task_backend.clear()
    MemorySmsBackend.outbox.clear()


@pytest.fixture(autouse=True)
def _fresh_policy_cache():
    """Compiled policies are cached per process by catalog id and version, and a rolled-back test's ids
    come round again (SQLite): a test must never meet the policy a test before it compiled."""
    from frontdesk.disclosures.engine import forget_engines

    forget_engines()
    yield
    forget_engines()


@pytest.fixture(autouse=True)
def _fresh_ledger_process_state(monkeypatch):
    """The after-commit sequencer's throttle and the no-signing-key warning are per process.

    A test that sequenced within the last 0.2 s would otherwise make the next test's after-commit run
    a no-op, so whether its events got indices would depend on which test ran before it.
    """
    from frontdesk.ledger import services

    monkeypatch.setattr(services, "_last_after_commit_run", float("-inf"))
    monkeypatch.setattr(services, "_warned_no_key", False)


@pytest.fixture(autouse=True)
def _default_language():
    """LocaleMiddleware activates a request's language in the test's thread and nothing switches it back.

    After a request to /es/, `reverse()` and every message made outside a request would be Spanish for
    whatever test the process runs next.
    """
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session", autouse=True)
def _database_is_the_one_asked_for(django_db_setup, django_db_blocker):
    """`make test` asks for PostgreSQL by name; a silent fallback to SQLite must fail the run."""
    import os

    from django.db import connection

    expected = os.environ.get("FRONTDESK_EXPECT_VENDOR")
    if expected:
        assert connection.vendor == expected, f"tests ran on {connection.vendor}, not {expected}"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """No test starts while an event loop is marked running in the test thread (see tests/e2e/conftest.py).

    Django keeps database connections per async context while a loop runs: the test would get fresh
    connections without the migrated-data snapshot, and a transactional test would neither restore it
    nor empty the tables the way the next test expects.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return
    pytest.fail(f"{item.nodeid}: a test before it left the event loop {loop!r} running in this thread")


def runs_as_transaction_test_case(item: pytest.Item) -> bool:
    """Whether pytest-django will run this item as a TransactionTestCase (see _django_db_helper)."""
    from django.test import TestCase, TransactionTestCase
    from pytest_django.fixtures import validate_django_db

    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return not issubclass(cls, TestCase)
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        transaction, reset_sequences, _databases, _serialized, _apps = validate_django_db(marker)
        if transaction or reset_sequences:
            return True
    return bool(TRANSACTIONAL_FIXTURES.intersection(getattr(item, "fixturenames", ())))


def restore_migrated_data(item: pytest.Item) -> None:
    """Make a transactional test restore the migrated rows before it runs (serialized rollback).

    A TransactionTestCase empties every table when it ends. Without serialized rollback the flush then
    re-runs post_migrate, which re-creates content types and permissions under new ids while the data
    migrations' rows (the service catalog) stay gone; the next test that restores the serialized
    snapshot collides with those content types (UNIQUE constraint failed), and the next one that does
    not finds no services. Which test breaks depends on order and on the split over xdist workers.

    The marker put first here is the one pytest-django reads, both when it decides which database
    aliases to serialize at setup (_get_databases_for_setup) and per test (_django_db_helper), so a
    test cannot escape it by taking `transactional_db` or `live_server` instead of the marker.
    """
    from pytest_django.fixtures import validate_django_db

    cls = getattr(item, "cls", None)
    if cls is not None and hasattr(cls, "serialized_rollback"):  # a TransactionTestCase class
        cls.serialized_rollback = True
        return
    marker = item.get_closest_marker("django_db")
    _transaction, reset_sequences, databases, _serialized, available_apps = (
        validate_django_db(marker) if marker is not None else (False, False, None, False, None)
    )
    complete = pytest.mark.django_db(
        transaction=True,
        reset_sequences=reset_sequences,
        databases=databases,
        serialized_rollback=True,
        available_apps=available_apps,
    )
    item.add_marker(complete, append=False)


def pytest_collection_modifyitems(items):
    for item in items:
        if runs_as_transaction_test_case(item):
            restore_migrated_data(item)


def pytest_terminal_summary(terminalreporter, config):
    """The order is random on each run (pytest-randomly); `-q` hides its header, so say the seed last."""
    seed = config.getoption("randomly_seed", None)
    if isinstance(seed, int) and config.getoption("randomly_reorganize", False):
        terminalreporter.write_line(f"Random test order: run again in this order with --randomly-seed={seed}")


@pytest.fixture
def signing_key(tmp_path, settings):
    """A throwaway Ed25519 key in a temporary directory, used by checkpoint_create."""
    from frontdesk.ledger import signing

    path = tmp_path / "ledger-signing-key.pem"
    signing.generate_key_file(path)
    settings.FRONTDESK_LEDGER_SIGNING_KEY = ""
    settings.FRONTDESK_LEDGER_SIGNING_KEY_FILE = str(path)
    settings.FRONTDESK_LEDGER_ORIGIN = "frontdesk.test/ledger"
    return path


@pytest.fixture(autouse=True)
def _fresh_reference_caches():
    """Offices and services are cached per process, and a rolled-back test's codes and ids come round
    again: a test must never meet the office a test before it cached."""
    from frontdesk.core.reference_cache import forget_all

    forget_all()
    yield
    forget_all()
