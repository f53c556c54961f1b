"""Forms for the privacy office and for recording an outside request. Shape only: the disclosures
services decide (default deny, sign-off rules, restrictions)."""

from collections.abc import Iterable, Sequence
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile

from frontdesk.disclosures.catalog import positions_in_force
from frontdesk.disclosures.categories import RELEASABLE, DataCategory
from frontdesk.disclosures.inputs import POSITION_NOT_LISTED
from frontdesk.disclosures.models import RestrictionKind
from frontdesk.disclosures.vocabulary import (
    UPLOAD_EVIDENCE_CHOICES,
    AgencyType,
    Channel,
    CrimeClass,
    Purpose,
    SubjectStatus,
)
from frontdesk.web.fields import UswdsForm, birth_date_fields, clean_birth_date

from .forms import purpose_choices

MAX_UPLOAD = 10 * 1024 * 1024
EVERY_RECIPIENT, ONLY_LISTED = "every", "listed"


def _select(choices: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "- Select -"), *choices]


class OutsideRequestForm(UswdsForm):
    channel = forms.ChoiceField(label="How did the request arrive?", choices=_select(Channel.choices))
    requester_agency = forms.CharField(label="Agency", max_length=200)
    requester_component = forms.CharField(label="Office or unit", max_length=200, required=False)
    requester_official = forms.CharField(label="Official who asks", max_length=200)
    requester_title = forms.CharField(label="Their title", max_length=200, required=False)
    requester_position = forms.ChoiceField(
        label="Position of whoever signed the letter",
        required=False,
        help_text="As the letter shows it. A law-enforcement request counts only when the head of the agency or "
        "a delegate not below section chief signs it; another official confirms this before sign-off.",
    )
    requester_contact = forms.CharField(label="Phone or email", max_length=200)
    requester_address = forms.CharField(
        label="Mailing address", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    agency_type = forms.ChoiceField(label="Kind of agency", choices=_select(AgencyType.choices))
    purpose = forms.ChoiceField(label="What they say it is for", choices=_select(Purpose.choices))
    purpose_detail = forms.CharField(
        label="Details of the purpose", max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    crime_class = forms.ChoiceField(label="Crime named", choices=CrimeClass.choices, initial=CrimeClass.NONE)
    subject_status = forms.ChoiceField(label="The person is", choices=SubjectStatus.choices, initial=SubjectStatus.NONE)
    authority_cited = forms.CharField(
        label="Law they cite",
        max_length=200,
        required=False,
        help_text="Leave empty if they cite none. A request that cites no law and brings no document is refused "
        "at once; give them the printed notice.",
    )
    categories = forms.MultipleChoiceField(
        label="What they ask for",
        choices=[(c.value, c.label) for c in DataCategory if c.value in RELEASABLE],
        widget=forms.CheckboxSelectMultiple,
    )
    records_from = forms.DateField(label="Records from", required=False, help_text="As in the letter, YYYY-MM-DD")
    records_to = forms.DateField(
        label="Records to",
        required=False,
        help_text="YYYY-MM-DD. A law-enforcement request must name the period; one without a period asks for all "
        "records and is refused.",
    )
    subject_first_name = forms.CharField(label="Person's first name", max_length=80, required=False)
    subject_last_name = forms.CharField(label="Person's last name", max_length=80)
    locals().update(birth_date_fields("subject_dob", required=False))
    evidence_kind = forms.ChoiceField(
        label="Kind of document", choices=_select(UPLOAD_EVIDENCE_CHOICES), required=False
    )
    evidence_file = forms.FileField(label="Document (PDF or image)", required=False)
    evidence_kind_2 = forms.ChoiceField(
        label="Kind of second document", choices=_select(UPLOAD_EVIDENCE_CHOICES), required=False
    )
    evidence_file_2 = forms.FileField(label="Second document", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        listed = [(p.code, p.title) for p in positions_in_force()]
        cast(forms.ChoiceField, self.fields["requester_position"]).choices = [
            ("", "- Not stated in the letter -"),
            *listed,
            (POSITION_NOT_LISTED, "Another position (officer, detective, ...)"),
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        data["subject_date_of_birth"] = clean_birth_date(self, "subject_dob")
        for suffix in ("", "_2"):
            upload = data.get(f"evidence_file{suffix}")
            if upload is not None and not data.get(f"evidence_kind{suffix}"):
                self.add_error(f"evidence_kind{suffix}", "Say what kind of document this is.")
            if upload is not None and upload.size > MAX_UPLOAD:
                self.add_error(f"evidence_file{suffix}", "The document is too large (10 MB at most).")
        return data


class SubjectDropForm(UswdsForm):
    reason = forms.CharField(
        label="Why this person is dropped",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the request for the privacy office. The other people's sign-offs still count.",
    )


class SignOffForm(forms.Form):
    action = forms.ChoiceField(choices=[("sign", "sign"), ("reject", "reject"), ("release", "release")])
    role = forms.CharField(max_length=40, required=False)
    note = forms.CharField(max_length=500, required=False)


class AccountingSearchForm(UswdsForm):
    purpose = forms.ChoiceField(
        label="Why do you need this?", choices=purpose_choices("audit", "privacy_investigation", "disclosure_review")
    )
    person = forms.UUIDField(label="Person id (optional)", required=False, help_text="Leave empty for every entry.")


class TransparencyForm(UswdsForm):
    year = forms.IntegerField(label="Year", min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label="Quarter", choices=[(q, f"Q{q}") for q in range(1, 5)], coerce=int)


class RestrictionForm(UswdsForm):
    kind = forms.ChoiceField(label="Kind", choices=_select(RestrictionKind.choices))
    title = forms.CharField(label="Title", max_length=200)
    citation = forms.CharField(label="Citation (docket number or statute)", max_length=400)
    summary = forms.CharField(
        label="Summary", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    categories = forms.MultipleChoiceField(
        label="Categories it forbids releasing",
        choices=[(c.value, c.label) for c in DataCategory if c.value in RELEASABLE],
        widget=forms.CheckboxSelectMultiple,
    )
    binds = forms.ChoiceField(
        label="Whom it binds",
        choices=[
            (EVERY_RECIPIENT, "Every recipient"),
            (ONLY_LISTED, "Only the kinds of recipient and the agencies chosen below"),
        ],
        initial=EVERY_RECIPIENT,
        widget=forms.RadioSelect,
    )
    recipients = forms.MultipleChoiceField(
        label="Kinds of recipient it binds",
        help_text="Only when it binds only some recipients.",
        choices=AgencyType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    agencies = forms.CharField(
        label="Named agencies it binds",
        max_length=2000,
        required=False,
        help_text="One per line; only when it binds only some recipients.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        named = data.get("recipients") or (data.get("agencies") or "").strip()
        if data.get("binds") == EVERY_RECIPIENT and named:
            self.add_error(
                "binds",
                "You chose every recipient but also chose kinds of recipient or agencies. Choose “only the kinds "
                "and agencies chosen below” to bind only those, or clear them to bind every recipient.",
            )
        return data

    def scope_input(self) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
        """(recipients, agencies) as services.RestrictionDetails takes them: recipients None means every
        recipient (disclosures.scope); anything narrower is chosen explicitly."""
        data = self.cleaned_data
        agencies = tuple(line.strip() for line in data["agencies"].splitlines() if line.strip())
        recipients = None if data["binds"] == EVERY_RECIPIENT else tuple(data["recipients"])
        return recipients, agencies

    effective_from = forms.DateField(label="In force from", widget=forms.DateInput(attrs={"type": "date"}))
    effective_until = forms.DateField(
        label="In force until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class EvidenceForm(UswdsForm):
    evidence_kind = forms.ChoiceField(label="Kind of document", choices=_select(UPLOAD_EVIDENCE_CHOICES))
    evidence_file = forms.FileField(label="Document (PDF or image)")
    evidence_subject = forms.ChoiceField(
        label="The person it is about",
        required=False,
        help_text=(
            "For a personal document (consent, a representative's authority, an identity check, an indictment "
            "or conviction): it counts for that person only. Left blank, it counts only when the request names "
            "exactly one person, and for no one otherwise. Leave it blank for the agency's letter or a court order."
        ),
    )

    def __init__(self, *args: Any, subjects: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        """`subjects`: (id, label) of the people still included in the request."""
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["evidence_subject"]).choices = [("", "- Not about one person -"), *subjects]

    def clean_evidence_file(self) -> UploadedFile:
        upload = self.cleaned_data["evidence_file"]
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError("The document is too large (10 MB at most).")
        return upload
