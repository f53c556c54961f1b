"""The `frontdesk` console script: Django's management commands under one name.

`frontdesk import-offices`, `frontdesk seed`, `frontdesk ledger verify`, ... are the
management commands of the same names (hyphens or underscores both work). `frontdesk init-secrets
[PATH]` writes random demo secrets before Django can start.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    args = list(sys.argv if argv is None else argv)
    if len(args) > 1 and not args[1].startswith("-"):
        args[1] = args[1].replace("-", "_")
    if len(args) > 1 and args[1] == "init_secrets":
        # Runs before Django can start: the settings need the secrets it writes.
        from frontdesk.core.secrets_init import main as init_secrets

        init_secrets(args[2] if len(args) > 2 else "var/secrets.env")
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["frontdesk", *args[1:]])


if __name__ == "__main__":
    main()
