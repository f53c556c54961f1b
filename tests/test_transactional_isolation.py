"""Every test that runs as a TransactionTestCase restores the migrated data, however it asked for the database.

tests/conftest.py puts a complete django_db marker with serialized_rollback first on each such test at
collection. These tests fail if that stops taking effect: in pytest-django's choice of which aliases to
serialize at setup, in its per-test helper, or in what a following transactional test finds.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from pytest_django.fixtures import _get_databases_for_setup, _get_databases_for_test

from frontdesk.scheduling.catalog import SERVICES
from frontdesk.scheduling.models import Service
from tests.conftest import runs_as_transaction_test_case

ROOT = Path(__file__).resolve().parents[1]


def test_every_collected_transactional_test_is_serialized(request):
    transactional = [item for item in request.session.items if runs_as_transaction_test_case(item)]
    assert transactional, "this module's own transactional_db test should have been collected"
    for item in transactional:
        marker = item.get_closest_marker("django_db")
        assert marker is not None and marker.kwargs.get("serialized_rollback") is True, item.nodeid
        aliases, serialized = _get_databases_for_test(item)
        assert serialized, f"{item.nodeid}: pytest-django would not restore its data"
        assert "default" in aliases
    _aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    assert "default" in serialized_aliases


def test_a_fixture_alone_gets_the_whole_marker(transactional_db, request):
    marker = request.node.get_closest_marker("django_db")
    assert marker.kwargs == {
        "transaction": True,
        "serialized_rollback": True,
        "reset_sequences": False,
        "databases": None,
        "available_apps": None,
    }
    # The snapshot pytest-django restores from was taken at setup, and this test starts from it.
    assert connection._test_serialized_contents
    assert Service.objects.count() == len(SERVICES)
    assert ContentType.objects.filter(app_label="scheduling", model="service").exists()


@pytest.mark.django_db(transaction=True, databases=["default"])
def test_a_partial_marker_keeps_its_own_arguments(request):
    marker = request.node.get_closest_marker("django_db")
    assert marker.kwargs["serialized_rollback"] is True
    assert marker.kwargs["databases"] == ["default"]
    assert Service.objects.count() == len(SERVICES)


def test_plain_db_tests_are_left_alone(db, request):
    assert request.node.get_closest_marker("django_db") is None
    assert connection.in_atomic_block  # still wrapped in a transaction that is rolled back


def test_tests_in_a_row_each_start_from_a_clean_state(tmp_path):
    """Run tests/ordered_cases.py in its order in a pytest of its own: every test there must pass."""
    env = os.environ | {"TOX_PARALLEL_ENV": "isolation"}  # pytest-django: a test database of its own
    env.pop("PYTEST_ADDOPTS", None)  # options for the outer run (a seed) may name plugins switched off here
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_XDIST_TESTRUNUID", None)
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/ordered_cases.py",
            "-p",
            "no:randomly",
            "-p",
            "no:xdist",
            "-p",
            "no:cacheprovider",
            "--basetemp",
            str(tmp_path / "inner"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "5 passed" in result.stdout
