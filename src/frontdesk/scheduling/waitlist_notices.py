"""What a waitlist offer tells people and the office: the message that an earlier time is waiting, the
offer a text-message reply answers, what the person is shown about their offer, and the clerk's "from
waitlist" marker. The offers themselves are made, taken and passed on in `waitlist`
(docs/adr/0023-fair-waitlist.md)."""

from datetime import UTC, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from .models import Appointment, OfferStatus, WaitlistOffer
from .one_time_codes import Message, contact_address, deliver
from .reminders import message_time
from .sms import address_key


def public_base_url() -> str:
    return getattr(settings, "FRONTDESK_PUBLIC_BASE_URL", "http://localhost:8000")


def offer_notify(offer_pk: int) -> None:
    """Tell the person an earlier time is available, in their language, by email and text message. The
    message names no service, reason or place: only that a time is waiting and until when."""
    offer = WaitlistOffer.objects.select_related("entry__person", "office").get(pk=offer_pk)
    person = offer.entry.person
    with translation.override(person.preferred_language if person.preferred_language in ("en", "es") else "en"):
        link = public_base_url().rstrip("/") + reverse("public:waitlist-offer", kwargs={"offer_id": offer.public_id})
        if offer.entry.appointment_id is None:
            # No booking, so no confirmation code: the page sends a one-time code to this same contact.
            text = _(
                "A time is available for you. Ask for a one-time code on this page to take it by %(time)s: %(link)s"
            )
        else:
            text = _(
                "An earlier time is available. Sign in with your confirmation code to take it by %(time)s: %(link)s"
            )
        body = text % {"time": message_time(offer.expires_at, offer.office), "link": link}
        subject = _("An earlier appointment time is available")
        # A text can be answered (replies.py: "1" takes the offer, "2" refuses it); an email cannot.
        answer = _("Or reply 1 to take it, 2 to say no.")
    texts = {"email": body, "sms": f"{body} {answer}"}
    messages = [
        Message(channel=channel, address=address, subject=subject, body=content)
        for channel, content in texts.items()
        if (address := contact_address(person, channel))
    ]
    deliver(messages)


def offer_texted_to(number: str, now: datetime | None = None) -> WaitlistOffer | None:
    """The earliest open offer whose person has this phone number on file, for a text reply ("1", "2").

    Numbers are compared as keyed hashes (Person.phone_hash), never in clear."""
    now = now or datetime.now(UTC)
    return (
        WaitlistOffer.objects.select_related("entry__person", "entry__appointment", "office")
        .filter(status=OfferStatus.OPEN, expires_at__gt=now, entry__person__phone_hash=address_key("sms", number))
        .order_by("created_at", "id")
        .first()
    )


def open_offer_for(person_id: int, now: datetime | None = None) -> WaitlistOffer | None:
    """The person's open, unexpired offer (at most one per service; the earliest made first), for a channel
    that knows the person but not the offer, such as a text-message reply ("1" take, "2" refuse): call
    `offer_claim` / `offer_decline` with it and `offer.entry.appointment`."""
    now = now or datetime.now(UTC)
    return (
        WaitlistOffer.objects.select_related("entry__appointment", "office")
        .filter(entry__person_id=person_id, status=OfferStatus.OPEN, expires_at__gt=now)
        .order_by("created_at", "id")
        .first()
    )


def offer_view(offer: WaitlistOffer, now: datetime) -> dict:
    """What the person is shown about their offer: the one answer both surfaces display."""
    is_open = offer.status == OfferStatus.OPEN and offer.expires_at > now
    return {
        "offer": offer,
        "open": is_open,
        "status": OfferStatus.EXPIRED.value if offer.status == OfferStatus.OPEN and not is_open else offer.status,
    }


def appointments_from_waitlist(appointment_ids: list[int]) -> set[int]:
    """Of these appointments, those whose current time was taken from a waitlist offer (the clerk's marker)."""
    claimed = WaitlistOffer.objects.filter(
        status=OfferStatus.CLAIMED, entry__appointment_id__in=appointment_ids
    ).values_list("entry__appointment_id", "starts_at", "office_id")
    current = {
        a.id: (a.starts_at, a.office_id)
        for a in Appointment.objects.filter(id__in=[c[0] for c in claimed]).only("starts_at", "office_id")
    }
    return {aid for aid, starts_at, office_id in claimed if current.get(aid) == (starts_at, office_id)}
