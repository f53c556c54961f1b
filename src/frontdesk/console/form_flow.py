"""One pattern for a console form that calls a domain service: validate the form, call the service
with the cleaned data, and either flash what was done or show the service's refusal.

A refusal (DomainError) goes beside the field it names when the page shows the form again
(`errors="form"`), or into a flash message when the view redirects back to a page (`errors="messages"`).
The view still decides what to answer (redirect or re-render), so status codes stay the view's.
"""

from collections.abc import Callable
from typing import Any, Literal, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from frontdesk.core.errors import DomainError
from frontdesk.web.fields import UswdsForm

Result = TypeVar("Result")


def form_submit(
    request: HttpRequest,
    form: forms.Form,
    action: Callable[[dict[str, Any]], Result],
    *,
    done: Callable[[Result], str] | str,
    errors: Literal["form", "messages"] = "form",
    invalid: str = "",
) -> bool:
    """Whether `action(form.cleaned_data)` ran and succeeded (its success message then flashed).

    An invalid form is left with its own errors (and `invalid`, if given, is flashed); the service
    is not called. A DomainError from the service is shown as `errors` says and False returned."""
    if not form.is_valid():
        if invalid:
            messages.error(request, invalid)
        return False
    try:
        result = action(form.cleaned_data)
    except DomainError as error:
        if errors == "form" and isinstance(form, UswdsForm):
            form.add_domain_error(error)
        else:
            messages.error(request, error.message)
        return False
    messages.success(request, done(result) if callable(done) else done)
    return True
