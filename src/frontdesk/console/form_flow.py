"""One pattern for a console form that calls a domain service: validate the form, call the service
with the cleaned data, and either flash what was done or show the service's refusal.

A refusal (DomainError) goes beside the field it names when the page shows the form again
(`errors="form"`), or into a flash message when the view redirects back to a page (`errors="messages"`).
The view still decides what to answer (redirect or re-render); when it shows the form again it answers
with `Submitted.status`: 400 for a form that did not validate, else the refusal's own status (403, 409,
422), so a conflict is not reported as a malformed request.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from frontdesk.core.errors import DomainError
from frontdesk.web.fields import UswdsForm

Result = TypeVar("Result")


@dataclass(frozen=True)
class Submitted:
    """What `form_submit` did: true when the service ran and succeeded; `status` is what to answer with
    when the form is shown again."""

    ok: bool
    status: int = 200

    def __bool__(self) -> bool:
        return self.ok


def form_submit(
    request: HttpRequest,
    form: forms.Form,
    action: Callable[[dict[str, Any]], Result],
    *,
    done: Callable[[Result], str] | str,
    errors: Literal["form", "messages"] = "form",
    invalid: str = "",
) -> Submitted:
    """Whether `action(form.cleaned_data)` ran and succeeded (its success message then flashed).

    An invalid form is left with its own errors (and `invalid`, if given, is flashed); the service
    is not called. A DomainError from the service is shown as `errors` says."""
    if not form.is_valid():
        if invalid:
            messages.error(request, invalid)
        return Submitted(ok=False, status=400)
    try:
        result = action(form.cleaned_data)
    except DomainError as error:
        if errors == "form" and isinstance(form, UswdsForm):
            form.add_domain_error(error)
        else:
            messages.error(request, error.message)
        return Submitted(ok=False, status=error.status)
    messages.success(request, done(result) if callable(done) else done)
    return Submitted(ok=True)
