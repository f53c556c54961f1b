"""Forms for API tokens: shape only; accounts.services decides which scopes and lifetimes are allowed."""

from typing import Any, cast

from django import forms

from frontdesk.accounts.tokens import DEFAULT_DAYS, MAX_DAYS, MAX_NAME, SCOPE_LABELS, TokenScope
from frontdesk.web.fields import UswdsForm


class ApiTokenIssueForm(UswdsForm):
    name = forms.CharField(
        label="Name",
        max_length=MAX_NAME,
        help_text="The integration that will use it, e.g. lobby display at office 001.",
    )
    scopes = forms.MultipleChoiceField(
        label="What the token may do",
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        help_text="Only what your roles allow; choose the least the integration needs.",
    )
    days = forms.IntegerField(
        label="Days until it expires",
        min_value=1,
        max_value=MAX_DAYS,
        initial=DEFAULT_DAYS,
        help_text=f"From 1 to {MAX_DAYS} days.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "maxlength": "2"}),
    )

    def __init__(self, *args: Any, grantable: list[TokenScope], **kwargs: Any) -> None:
        super().__init__(*args, prefix="issue", **kwargs)
        cast(forms.MultipleChoiceField, self.fields["scopes"]).choices = [
            (s.value, f"{s.value}: {SCOPE_LABELS[s]}") for s in grantable
        ]


class ApiTokenRevokeForm(forms.Form):
    token = forms.UUIDField(widget=forms.HiddenInput)
