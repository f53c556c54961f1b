"""Forms for staff role administration: shape only; accounts.services decides (STYLE.md)."""

from typing import Any, cast

from django import forms

from frontdesk.accounts.roles import ROLE_LABELS, Role
from frontdesk.accounts.services import MAX_REASON
from frontdesk.web.fields import UswdsForm

REASON_HELP = "Kept in the role history. Say why, e.g. a ticket number; do not name members of the public."


def role_choices(roles: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    return [("", "- Select -"), *(roles if roles is not None else [(r.value, ROLE_LABELS[r]) for r in Role])]


class StaffSearchForm(UswdsForm):
    q = forms.CharField(label="Username contains", max_length=150, required=False)
    office = forms.CharField(label="Office code", max_length=20, required=False, help_text="For example 001.")


class RoleGrantForm(UswdsForm):
    username = forms.CharField(max_length=150, widget=forms.HiddenInput)
    role = forms.ChoiceField(label="Role", choices=role_choices)
    office = forms.CharField(
        label="Office code",
        max_length=20,
        required=False,
        help_text="For a counter clerk, technical expert or office manager: the office they work at, e.g. 001.",
    )
    region = forms.IntegerField(
        label="Region",
        min_value=1,
        max_value=99,
        required=False,
        help_text="For a regional privacy officer: the region they look after.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": "2"}),
    )
    reason = forms.CharField(
        label="Reason", max_length=MAX_REASON, help_text=REASON_HELP, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, grantable: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, prefix="grant", **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = role_choices(grantable)


class RoleRevokeForm(UswdsForm):
    username = forms.CharField(max_length=150, widget=forms.HiddenInput)
    role = forms.ChoiceField(label="Role to revoke", choices=role_choices)
    reason = forms.CharField(
        label="Reason", max_length=MAX_REASON, help_text=REASON_HELP, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, held: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, prefix="revoke", **kwargs)
        cast(forms.ChoiceField, self.fields["role"]).choices = role_choices(held)


class RoleDecisionForm(UswdsForm):
    """One per pending change, prefixed by it (the change id and the button pressed come unprefixed)."""

    decision_reason = forms.CharField(
        label="Reason for rejecting",
        max_length=MAX_REASON,
        required=False,
        help_text="Needed only to reject; kept in the role history.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
