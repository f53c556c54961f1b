"""The README's configuration table names every setting the code reads from the environment.

An operator learns what can be set from that table, so a variable read in `config/` or `src/` and missing
from it is a setting nobody can find. The test settings are left out: they are the suite's, not an operator's.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READS = re.compile(
    r"""environ\.get\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|environ\[\s*["']([A-Z][A-Z0-9_]+)["']\s*\]"""
    r"""|getenv\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|env_secret\(\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|%\(ENV_([A-Z][A-Z0-9_]+)\)s"""
)
NOT_FOR_OPERATORS = {ROOT / "config" / "settings" / "test.py"}


def variables_read() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted([*(ROOT / "config").rglob("*"), *(ROOT / "src").rglob("*.py")]):
        if not path.is_file() or path in NOT_FOR_OPERATORS or path.suffix not in {".py", ".conf"}:
            continue
        for match in READS.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(next(group for group in match.groups() if group), path)
    return found


def test_the_scan_finds_the_settings_it_is_meant_to():
    read = variables_read()

    # One of each way a setting is read: settings, a secret, the web server's and the supervisor's files.
    assert {"DATABASE_URL", "FRONTDESK_PII_HASH_KEY", "FRONTDESK_WEB_WORKERS", "FRONTDESK_VAR_DIR"} <= set(read)


def test_every_setting_read_from_the_environment_is_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")

    missing = {
        name: str(path.relative_to(ROOT)) for name, path in variables_read().items() if f"`{name}`" not in readme
    }

    assert not missing, f"add these to the README's configuration table: {missing}"
