"""`frontdesk demo`: what `make run` serves after `import_offices`.

Staff, interpreters and windows at every office (so availability works anywhere), a light booking
load at a few offices (the last four weeks, served or missed, so the manager's dashboards have a history,
and about half of the next ten days; by the same code as `frontdesk seed`), demo
staff sign-ins for each role, and a few outside requests in different states (disclosures/demo.py).
Passwords are random per machine, made on the first run and kept in var/demo-signins.txt
(git-ignored); rerunning changes nothing that exists.
"""

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from frontdesk.accounts.models import StaffProfile
from frontdesk.accounts.roles import ROLE_LABELS, Role
from frontdesk.disclosures.demo import demo_requests_ensure
from frontdesk.offices.models import Office
from frontdesk.scheduling.seeding import SeedOptions, resources_ensure, seed_offices

DEMO_SEED = 2027
STAFF_OFFICES = ("001", "271")  # Portland, Maine; San Juan, Puerto Rico (Spanish-speaking)
BOOKED_OFFICES = (*STAFF_OFFICES, "100", "485", "913", "990")  # + New York, Chicago, Phoenix, Honolulu
BOOKED_DAYS = 10
HISTORY_DAYS = 28  # the dashboards' default span
BOOKED_FILL = 0.5
OFFICE_ROLES = (Role.COUNTER_CLERK, Role.TECHNICAL_EXPERT, Role.OFFICE_MANAGER)
SHORT = {
    Role.COUNTER_CLERK: "clerk",
    Role.TECHNICAL_EXPERT: "expert",
    Role.OFFICE_MANAGER: "manager",
    Role.REGIONAL_PRIVACY_OFFICER: "privacy",
    Role.GENERAL_COUNSEL: "counsel",
    Role.AUDITOR: "auditor",
    Role.ADMINISTRATOR: "admin",
}
SIGNINS_HEADER = "username\trole\toffice\tpassword"


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: Role | None  # None: an account with no role yet, for an administrator to grant one
    office: Office | None = None
    region: int | None = None

    @property
    def where(self) -> str:
        if self.office is not None:
            return f"{self.office.code} {self.office.name}"
        return f"region {self.region}" if self.region else "national"


def demo_users(offices: dict[str, Office]) -> list[DemoUser]:
    users = [
        DemoUser(f"{SHORT[role]}.{code.lower()}", role, offices[code], offices[code].region)
        for code in STAFF_OFFICES
        for role in OFFICE_ROLES
    ]
    users.append(DemoUser(f"{SHORT[Role.REGIONAL_PRIVACY_OFFICER]}.region1", Role.REGIONAL_PRIVACY_OFFICER, region=1))
    users += [DemoUser(SHORT[role], role) for role in (Role.GENERAL_COUNSEL, Role.AUDITOR, Role.ADMINISTRATOR)]
    # A second administrator approves what the first asks for (docs/adr/0015-staff-role-administration.md).
    users += [DemoUser("admin2", Role.ADMINISTRATOR), DemoUser("newhire", None)]
    return users


def read_signins(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    passwords = {}
    for line in path.read_text().splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) == 4:
            passwords[parts[0]] = parts[3]
    return passwords


def write_signins(path: Path, rows: list[tuple[str, str, str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([SIGNINS_HEADER, *("\t".join(row) for row in rows)]) + "\n")
    path.chmod(0o600)


class Command(BaseCommand):
    help = "Demo data for `make run`: resources everywhere, a light booking load, demo staff sign-ins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--signins", default=None, help="Where to keep the sign-ins (default var/demo-signins.txt)")

    def handle(self, *args: Any, signins: str | None = None, **options: Any) -> None:
        started = time.perf_counter()
        offices = {o.code: o for o in Office.objects.all()}
        missing = [code for code in BOOKED_OFFICES if code not in offices]
        if missing:
            raise CommandError(f"Offices {', '.join(missing)} are missing: run `frontdesk import_offices` first.")
        report = seed_offices(
            [offices[code] for code in BOOKED_OFFICES],
            SeedOptions(
                start=datetime.now(UTC).date() - timedelta(days=HISTORY_DAYS),
                days=HISTORY_DAYS + BOOKED_DAYS,
                fill=BOOKED_FILL,
                seed=DEMO_SEED,
                rooms_share=0.2,
            ),
        )
        # Every other office gets its staff too, so availability works on the whole directory.
        others = [o for code, o in offices.items() if code not in BOOKED_OFFICES]
        resources = report.resources + resources_ensure(others, seed=DEMO_SEED)
        self.stdout.write(
            f"demo: {resources} new resources; {report.appointments} new appointments at "
            f"{len(BOOKED_OFFICES)} offices over the last {HISTORY_DAYS} days and the next {BOOKED_DAYS}"
        )
        path = Path(signins) if signins else Path(settings.VAR_DIR) / "demo-signins.txt"
        rows = self._users(demo_users(offices), path)
        self.stdout.write(f"demo staff sign-ins (kept in {path}):")
        width = max(len(r[0]) for r in rows)
        for username, role, where, password in rows:
            self.stdout.write(f"  {username:<{width}}  {password}  {role}, {where}")
        try:
            requests = demo_requests_ensure()
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"authority catalog {requests.catalog_version} in force; {requests.created} new demo outside requests"
        )
        self.stdout.write(f"demo ready in {time.perf_counter() - started:.1f} s")

    @transaction.atomic
    def _users(self, users: list[DemoUser], path: Path) -> list[tuple[str, str, str, str]]:
        """Create missing demo users with their roles; keep the password of every user already in the
        sign-ins file, and the roles of every user that exists."""
        User = get_user_model()
        passwords = read_signins(path)
        groups = {role: Group.objects.get_or_create(name=role.value)[0] for role in Role}
        rows = []
        for demo in users:
            user, created = User.objects.get_or_create(username=demo.username)
            password = passwords.get(demo.username)
            if created or password is None:
                # A demo secret made on this machine; the file is the only copy, and git ignores var/.
                password = password or secrets.token_urlsafe(12)
                user.set_password(password)
                user.save()
            if created and demo.role is not None:
                # Demo data, like `frontdesk seed`: written directly, once, so that a rerun keeps what an
                # administrator changed since. Real grants go through the console (accounts.services).
                user.groups.add(groups[demo.role])
                StaffProfile.objects.update_or_create(
                    user=user, defaults={"office": demo.office, "region": demo.region}
                )
            label = ROLE_LABELS[demo.role] if demo.role is not None else "No role yet"
            rows.append((demo.username, label, demo.where if demo.role is not None else "-", password))
        write_signins(path, rows)
        return rows
