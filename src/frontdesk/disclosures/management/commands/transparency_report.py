"""`manage.py transparency_report --quarter 2026Q3 [--format json|csv|html] [--output FILE]`.

Writes the published transparency report for one finished quarter, the same report the public API
serves (frontdesk.disclosures.transparency). A quarter that has not ended is refused: its counts are
still moving, and a count that moves announces a request.
"""

import json
import re
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from frontdesk.core.errors import ValidationFailed
from frontdesk.disclosures.transparency import report_csv, report_html, transparency_report

QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


def parse_quarter(text: str) -> tuple[int, int]:
    match = QUARTER.match(text.strip())
    if match is None:
        raise CommandError(f"Give --quarter as YEAR and quarter, for example 2026Q3 (not {text!r}).")
    return int(match.group(1)), int(match.group(2))


class Command(BaseCommand):
    help = "Write the transparency report for a finished quarter (JSON, CSV or HTML)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--quarter", required=True, help="the quarter, e.g. 2026Q3")
        parser.add_argument("--format", choices=("json", "csv", "html"), default="json")
        parser.add_argument("--output", help="write to this file instead of standard output")

    def handle(self, *args: Any, quarter: str, format: str = "json", output: str | None = None, **options: Any) -> None:
        year, number = parse_quarter(quarter)
        try:
            report = transparency_report(year=year, quarter=number)
        except ValidationFailed as error:
            raise CommandError(error.message) from None
        if format == "csv":
            text = report_csv(report)
        elif format == "html":
            text = report_html(report)
        else:
            text = json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n"
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote the {year}Q{number} report ({format}) to {output}.")
        else:
            self.stdout.write(text, ending="")
