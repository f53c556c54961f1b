"""Long commands show how far they have got: a bar on a terminal, plain lines in a log, on stderr only."""

import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from frontdesk.core.progress import SILENT, SILENT_TASK
from frontdesk.core.progress_output import LineProgress, TerminalProgress, duration, progress_for
from frontdesk.offices.directory import BUNDLED_DIRECTORY
from frontdesk.offices.models import Office
from tests.factories import OfficeFactory

ROOT = Path(__file__).resolve().parents[2]
# "seed: 2/3 offices (67%), 1.50 offices/s, 0:01 left"
PERIODIC = r"{what}: [\d,]+/{total} {unit} \(\d+%\), [\d,.]+ {unit}/s, \d+:\d\d left"


class Terminal(StringIO):
    """What a terminal looks like to the code that decides between a bar and lines."""

    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_lines_come_at_the_interval_with_count_rate_and_time_left():
    out, clock = StringIO(), Clock()
    with LineProgress(out, interval=5, clock=clock) as progress:
        task = progress.task("verify", total=100_000, unit="entries")
        for _ in range(10):
            clock.now += 1
            task.advance(4096)

    lines = out.getvalue().splitlines()
    # 10 seconds of work: a line at 5 s and at 10 s, then the total
    assert lines == [
        "verify: 20,480/100,000 entries (20%), 4,096 entries/s, 0:19 left",
        "verify: 40,960/100,000 entries (41%), 4,096 entries/s, 0:14 left",
        "verify: 40,960 entries in 0:10, 4,096 entries/s",
    ]


def test_an_open_ended_task_shows_count_rate_and_time_taken():
    out, clock = StringIO(), Clock()
    with LineProgress(out, interval=2, clock=clock) as progress:
        task = progress.task("audit", unit="tiles")
        clock.now += 4
        task.advance(2)
    assert out.getvalue().splitlines() == [
        "audit: 2 tiles, 0.50 tiles/s, 0:04 elapsed",
        "audit: 2 tiles in 0:04, 0.50 tiles/s",
    ]


def test_work_shorter_than_the_interval_prints_nothing():
    out, clock = StringIO(), Clock()
    with LineProgress(out, interval=5, clock=clock) as progress:
        task = progress.task("export", total=10, unit="entries")
        clock.now += 1
        task.advance(10)
    assert out.getvalue() == ""


def test_durations_read_as_a_clock():
    assert [duration(s) for s in (0, 7.4, 750, 3723)] == ["0:00", "0:07", "12:30", "1:02:03"]


def test_a_terminal_gets_a_bar_with_count_rate_and_time_left():
    screen = Terminal()
    with progress_for(screen) as progress:
        assert isinstance(progress, TerminalProgress)
        task = progress.task("verify", total=300, unit="entries")
        task.advance(100)
        task.advance(200)
    text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())  # without colours and cursor moves
    final = text.split("\r")[-1]
    assert "verify" in final and "━" in final
    assert "300/300" in final and "100%" in final
    assert re.search(r"[\d,.]+ entries/s", final)
    assert re.search(r"left \d+:\d\d:\d\d", final)


def test_a_pipe_gets_lines_and_silence_gets_nothing():
    with progress_for(StringIO()) as progress:
        assert isinstance(progress, LineProgress)
    with progress_for(Terminal(), enabled=False) as progress:
        assert progress is SILENT
        assert progress.task("seed", total=3) is SILENT_TASK


def test_the_domain_code_does_not_import_the_display_library():
    script = (
        "import django; django.setup(); import sys\n"
        "import frontdesk.scheduling.seeding, frontdesk.offices.directory\n"
        "import frontdesk.ledger.verify, frontdesk.ledger.audit, frontdesk.ledger.bundle\n"
        "print(sorted(m for m in sys.modules if m == 'rich' or m.startswith('rich.')))\n"
    )
    done = subprocess.run(  # noqa: S603 (this interpreter and a fixed script)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={"DJANGO_SETTINGS_MODULE": "config.settings.test", "PYTHONPATH": f"{ROOT / 'src'}:{ROOT}", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "[]"


# --- the commands -----------------------------------------------------------------------------


@pytest.fixture
def every_advance(monkeypatch):
    """A line at every advance instead of every few seconds, so short test runs show them."""
    monkeypatch.setenv("FRONTDESK_PROGRESS_SECONDS", "0")


def seed_args() -> list[str]:
    # A write transaction per office: offices are counted as their batch is written.
    return ["seed", "--days", "2", "--start", "2027-03-08", "--seed", "3", "--batch-size", "1"]


@pytest.mark.django_db
def test_seed_prints_periodic_lines_on_stderr_and_its_report_on_stdout(every_advance):
    for code in ("P01", "P02", "P03"):
        OfficeFactory(code=code)
    out, err = StringIO(), StringIO()
    call_command(*seed_args(), stdout=out, stderr=err)

    lines = err.getvalue().splitlines()
    assert len(lines) == 4
    for line in lines[:3]:
        assert re.fullmatch(PERIODIC.format(what="seed", total=3, unit="offices"), line), line
    assert lines[0].startswith("seed: 1/3") and lines[2].startswith("seed: 3/3 offices (100%)")
    assert re.fullmatch(r"seed: 3 offices in \d+:\d\d, [\d,.]+ offices/s", lines[3])
    assert out.getvalue().startswith("seeded 3 offices")
    assert "offices/s" not in out.getvalue()


@pytest.mark.django_db
def test_seed_on_a_terminal_draws_a_bar(every_advance):
    OfficeFactory(code="P01")
    screen = Terminal()
    call_command(*seed_args(), stdout=StringIO(), stderr=screen)
    assert "\x1b[" in screen.getvalue() and "1/1" in screen.getvalue() and "offices/s" in screen.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("quiet", [["--no-progress"], ["--verbosity", "0"]])
def test_seed_can_be_silenced(every_advance, quiet):
    OfficeFactory(code="P01")
    err = StringIO()
    call_command(*seed_args(), *quiet, stdout=StringIO(), stderr=err)
    assert err.getvalue() == ""


@pytest.fixture
def small_directory(tmp_path) -> Path:
    """The shipped directory's heading and first five offices."""
    path = tmp_path / "offices.csv"
    path.write_text("".join(BUNDLED_DIRECTORY.read_text(encoding="utf-8-sig").splitlines(keepends=True)[:6]))
    return path


@pytest.mark.django_db
def test_import_offices_prints_periodic_lines(every_advance, small_directory):
    out, err = StringIO(), StringIO()
    call_command("import_offices", str(small_directory), stdout=out, stderr=err)

    lines = err.getvalue().splitlines()
    assert len(lines) == 5 + 1
    for line in lines[:5]:
        assert re.fullmatch(PERIODIC.format(what="import offices", total=5, unit="offices"), line), line
    assert lines[4].startswith("import offices: 5/5 offices (100%)")
    assert re.fullmatch(r"import offices: 5 offices in \d+:\d\d, [\d,.]+ offices/s", lines[5])
    assert out.getvalue() == "offices: 5 created, 0 updated, 0 skipped\n"


@pytest.mark.django_db
def test_import_offices_is_quiet_at_verbosity_0(every_advance, small_directory):
    err = StringIO()
    call_command("import_offices", str(small_directory), verbosity=0, stdout=StringIO(), stderr=err)
    assert err.getvalue() == ""
    assert Office.objects.count() == 5


def test_a_bar_without_a_drawing_thread_is_drawn_when_work_advances():
    screen = Terminal()
    with progress_for(screen, background=False) as progress:
        assert progress.bar.live.auto_refresh is False
        task = progress.task("office_14_days", total=300, unit="requests")
        task.advance(150)
        drawn = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())
        assert "150/300" in drawn and "50%" in drawn
