"""Answers to reminders: the pages behind a reminder's links, and the SMS provider's inbound webhook.

A link's page (GET) only shows what the link will do; the action runs on POST. Mail scanners and link
previews open links by GET, and they must not confirm or cancel anyone's appointment. The rules are the
scheduling app's (scheduling/replies.py); these views parse and display its answers.
(docs/adr/0024-reminders-people-can-answer.md)
"""

from datetime import UTC, datetime
from xml.sax.saxutils import escape

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from frontdesk.core.errors import DomainError
from frontdesk.scheduling.models import ReplyAction
from frontdesk.scheduling.replies import reply_link_get, reply_link_use, sms_reply_handle
from frontdesk.scheduling.sms import sms_backend
from frontdesk.web import booking


def _refused_message(error: DomainError) -> str:
    if error.code == "link_used":
        return _("This link has been used already. Each link in a reminder works once.")
    if error.code in ("link_expired", "appointment_started"):
        return _("This link has expired: the time of the appointment has passed. Please call your office.")
    if error.code == "invalid_transition":
        return _("This appointment is no longer booked, so this link cannot change it.")
    return _("This link is not valid. Check that you copied all of it.")


def _headings() -> dict[str, tuple[str, str, str]]:
    return {
        ReplyAction.CONFIRM: (
            _("Confirm your appointment"),
            _("Tell the office you will come to this appointment."),
            _("Yes, I will come"),
        ),
        ReplyAction.CANCEL: (
            _("Cancel your appointment?"),
            _("If you cancel, someone else can take this time. You can book again later."),
            _("Yes, cancel it"),
        ),
        ReplyAction.RESCHEDULE: (
            _("Choose another time"),
            _("You can move this appointment to another time at the same office."),
            _("Choose a new time"),
        ),
        ReplyAction.STOP: (
            _("Stop email reminders"),
            _("We will send no more reminders to this email address."),
            _("Stop email reminders"),
        ),
    }


def _done_message(action: str) -> str:
    messages: dict[str, str] = {
        ReplyAction.CONFIRM: _("Thank you. Your appointment is confirmed."),
        ReplyAction.CANCEL: _("Your appointment is cancelled."),
        ReplyAction.STOP: _("You will get no more reminders by email."),
    }
    return messages.get(action, "")


@require_http_methods(["GET", "POST"])
def reply_link(request: HttpRequest, token: str) -> HttpResponse:
    now = datetime.now(UTC)
    if request.method == "POST":
        try:
            link = reply_link_use(token=token, now=now)
        except DomainError as error:
            return render(request, "public/reply_refused.html", {"message": _refused_message(error)}, status=409)
        if link.action == ReplyAction.RESCHEDULE:
            # The link went to the contact on file: as good as a verified look-up, for this browser.
            booking.remember_appointment(request, link.appointment)
            return redirect("public:appointment-reschedule")
        return render(request, "public/reply_done.html", {"message": _done_message(link.action)})
    try:
        link = reply_link_get(token, now=now)
    except DomainError as error:
        return render(request, "public/reply_refused.html", {"message": _refused_message(error)}, status=409)
    title, explanation, button = _headings()[link.action]
    context = {
        "appointment": link.appointment,
        "office": link.appointment.office,
        "title": title,
        "explanation": explanation,
        "button": button,
        "token": token,
        "shows_time": link.action != ReplyAction.STOP,
    }
    return render(request, "public/reply_link.html", context)


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    """The SMS provider's webhook: refused (403) unless the provider's signature checks out."""
    inbound = sms_backend().inbound(request)
    if inbound is None:
        return HttpResponse("Signature missing or not valid.", status=403, content_type="text/plain")
    answer = sms_reply_handle(sender=inbound.sender, body=inbound.body)
    twiml = f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(answer)}</Message></Response>'
    return HttpResponse(twiml, content_type="text/xml")
