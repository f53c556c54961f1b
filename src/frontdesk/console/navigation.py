"""The console's menu: each link appears only to those whose roles the page's access rule allows."""

from dataclasses import dataclass

from django.urls import reverse

from frontdesk.accounts.actors import Actor

from .access import RULES


@dataclass(frozen=True)
class Link:
    url_name: str
    label: str
    description: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


SECTIONS: list[tuple[str, list[Link]]] = [
    (
        "Today at the office",
        [
            Link("console:schedule", "Today's schedule", "Appointments for a day, check-in and no-shows."),
            Link("console:floor", "Call from a window", "The merged queue: call, recall, transfer, served."),
            Link("console:floor-walk-in", "Give a walk-in a ticket", "A number in the merged queue, at the counter."),
            Link("console:book", "Book for a caller", "Find a time and book or move an appointment."),
            Link("console:appointment-find", "Find an appointment", "Look up one appointment by its code."),
            Link(
                "console:waitlist-add",
                "Waitlist for a caller",
                "An earlier time for a booked caller, or the first time that fits for one without a booking.",
            ),
            Link("console:people", "Look up a person", "Search by SSN, or name and date of birth."),
            Link(
                "console:outside-request",
                "Record an outside request",
                "An outside agency asks for records: record it here, and nothing else.",
            ),
        ],
    ),
    (
        "Your office",
        [
            Link("console:office", "Office setup", "Hours, closures, staff members and interpreters."),
            Link("console:floor-kiosks", "Kiosk screens", "Enrol this screen as the office's kiosk, or revoke one."),
            Link("console:dashboard", "Dashboard", "Visits, waits, no-shows, utilisation and outside requests."),
        ],
    ),
    (
        "Privacy office",
        [
            Link("console:privacy-requests", "Disclosure requests", "Decisions, evidence, sign-off and release."),
            Link("console:privacy-restrictions", "Restrictions", "Court orders and statutes that forbid disclosure."),
            Link("console:privacy-accounting", "Accounting of disclosures", "Search what was released, to whom."),
            Link("console:privacy-transparency", "Transparency report", "Counts of requests and releases."),
            Link("console:privacy-alerts", "Access alerts", "Unusual reads of personal data."),
        ],
    ),
    ("Audit", [Link("console:audit", "Ledger", "Checkpoints, events and verification.")]),
    (
        "Staff administration",
        [
            Link("console:staff", "Staff roles", "Find staff; grant and revoke roles, with a reason."),
            Link("console:staff-approvals", "Waiting for approval", "Privileged grants, for a second administrator."),
            Link("console:staff-history", "Role history", "Every grant and revocation, who asked and who decided."),
        ],
    ),
    (
        "Integrations",
        [Link("console:api-tokens", "API tokens", "Scoped, expiring tokens for the staff API; issue and revoke.")],
    ),
]


def sections_for(user: Actor) -> list[tuple[str, list[Link]]]:
    result = []
    for title, links in SECTIONS:
        allowed = [link for link in links if RULES[link.url_name].allows(user)]
        if allowed:
            result.append((title, allowed))
    return result
