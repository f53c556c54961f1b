"""The console's one pattern for form -> service -> refusal (console/form_flow.py)."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from frontdesk.console.form_flow import form_submit
from frontdesk.core.errors import ValidationFailed
from frontdesk.web.fields import UswdsForm


class NameForm(UswdsForm):
    name = forms.CharField(max_length=10)


def _request():
    request = RequestFactory().post("/")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _flashed(request) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in get_messages(request)]


def test_success_runs_the_service_once_and_flashes_what_it_did():
    request, calls = _request(), []
    form = NameForm({"name": "Ana"})
    ok = form_submit(request, form, lambda data: calls.append(data["name"]) or "A-1", done=lambda r: f"Saved {r}.")
    assert ok and calls == ["Ana"]
    assert _flashed(request) == [("success", "Saved A-1.")]


def test_an_invalid_form_never_reaches_the_service():
    request, calls = _request(), []
    form = NameForm({"name": "x" * 11})
    assert not form_submit(request, form, calls.append, done="Saved.", invalid="Give a short name.")
    assert calls == [] and "name" in form.errors
    assert _flashed(request) == [("error", "Give a short name.")]


def test_a_refusal_goes_beside_its_field_or_into_a_message():
    def refuse(data):
        raise ValidationFailed("That name is taken.", field="name")

    request = _request()
    form = NameForm({"name": "Ana"})
    assert not form_submit(request, form, refuse, done="Saved.")
    assert form.errors["name"] == ["That name is taken."]
    assert form.fields["name"].widget.attrs["aria-invalid"] == "true"
    assert _flashed(request) == []

    request = _request()
    form = NameForm({"name": "Ana"})
    assert not form_submit(request, form, refuse, done="Saved.", errors="messages")
    assert not form.errors
    assert _flashed(request) == [("error", "That name is taken.")]
