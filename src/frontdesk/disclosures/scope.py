"""Whom a recorded restriction binds: one stated meaning for the policy, the API and the console (ADR 0012).

- `recipients` is None: it binds every recipient. Silence never narrows a restriction: a court order
  or statute recorded without saying whom it binds protects the person from every recipient.
- `recipients` is a list (possibly empty): it binds the agency types listed plus the agencies named.
  An empty list with named agencies binds exactly those agencies; that narrowing has to be said
  explicitly (the API's `recipients: []`, the console's "only the kinds and agencies chosen").

Named agencies never narrow a restriction that binds every recipient, so saving that combination is
refused (restrictions.restriction_save) rather than guessed at.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .policy import agency_key
from .vocabulary import AgencyType


@dataclass(frozen=True)
class RestrictionScope:
    every_recipient: bool
    agency_types: tuple[str, ...] = ()  # sorted AgencyType codes
    agencies: tuple[str, ...] = ()  # sorted agency names, as recorded

    @property
    def agency_keys(self) -> frozenset[str]:
        return frozenset(agency_key(a) for a in self.agencies)

    def binds(self, *, agency_type: str, agency: str) -> bool:
        """Whether a request from this recipient is bound (`agency` as the requester named it)."""
        return self.every_recipient or agency_type in self.agency_types or agency_key(agency) in self.agency_keys

    def describe(self) -> str:
        if self.every_recipient:
            return "Every recipient"
        parts = [str(AgencyType(t).label) if t in AgencyType.values else t for t in self.agency_types]
        parts += list(self.agencies)
        return "Only: " + "; ".join(parts) if parts else "Nobody (name agency types or agencies)"

    def as_dict(self) -> dict[str, Any]:
        return {
            "every_recipient": self.every_recipient,
            "agency_types": list(self.agency_types),
            "agencies": list(self.agencies),
            "summary": self.describe(),
        }


def restriction_scope(recipients: Iterable[str] | None, agencies: Iterable[str] = ()) -> RestrictionScope:
    """The scope of a restriction from its stored (or submitted) recipients and agencies."""
    if recipients is None:
        return RestrictionScope(every_recipient=True)
    return RestrictionScope(
        every_recipient=False,
        agency_types=tuple(sorted(set(recipients))),
        agencies=tuple(sorted({a.strip() for a in agencies if a and a.strip()})),
    )
