"""The `frontdesk` console script: Django's management commands under one name.

`frontdesk import-offices`, `frontdesk seed`, `frontdesk ledger verify`, ... are the
management commands of the same names (hyphens or underscores both work).
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    execute_from_command_line(["frontdesk", *args[1:]])


if __name__ == "__main__":
    main()
