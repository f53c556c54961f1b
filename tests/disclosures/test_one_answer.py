"""One answer per rule (ADR 0012): the API and the console show the same request the same way.

The same scenario runs on two requests at once, one worked through the JSON API and one through the
console (signed in past MFA), for a matrix of actors. At every step both surfaces must give the same
status, the same sign-offs with the same `counts` and `reason`, the same missing roles and allowed
actions, and the same result for each sign-off or release attempt (success, or the refusal code that the
ledger records as `<action>.refused`).
"""

import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from frontdesk.accounts.roles import Role
from frontdesk.disclosures.models import DisclosureRequest, Release, SignOff
from frontdesk.ledger.models import LedgerEvent
from tests.factories import OfficeFactory, staff_user
from tests.web.auth import verified_login

from .conftest import post, take_in

pytestmark = pytest.mark.django_db

OM, RPO, GC = "office_manager", "regional_privacy_officer", "general_counsel"
API = "/api/v1/disclosures"


@dataclass(frozen=True)
class Seen:
    status: str
    sign_offs: tuple[tuple[str, str, str, bool, str], ...]  # signer, role, decision, counts, reason
    missing: tuple[str, ...]
    sign_as: tuple[str, ...]
    reject_as: tuple[str, ...]
    release: bool
    edit: bool


def _refusals() -> list[dict]:
    return [e.event for e in LedgerEvent.objects.filter(type__endswith=".refused").order_by("id")]


def _succeeded(action: str, user, request_id: str) -> bool:
    request = DisclosureRequest.objects.get(public_id=request_id)
    if action == "sign":
        return SignOff.objects.filter(request=request, signer=user, voided_at__isnull=True).exists()
    return Release.objects.filter(request=request).exists()


class ApiSurface:
    def __init__(self, users: dict) -> None:
        self.users = users
        self.clients = {}
        for name, user in users.items():
            client = Client()
            client.force_login(user)
            self.clients[name] = client

    def look(self, who: str, request_id: str) -> Seen | str:
        response = self.clients[who].get(f"{API}/requests/{request_id}")
        if response.status_code == 404:
            return "not_found"
        assert response.status_code == 200, response.content
        body = response.json()
        allowed = body["allowed"]
        return Seen(
            status=body["status"],
            sign_offs=tuple(
                (s["signer"], s["role"], s["decision"], s["counts"], s["reason"]) for s in body["sign_offs"]
            ),
            missing=tuple(body["missing_signoffs"]),
            sign_as=tuple(sorted(allowed["sign_as"])),
            reject_as=tuple(sorted(allowed["reject_as"])),
            release=allowed["release"],
            edit=allowed["edit"] and allowed["add_evidence"],
        )

    def attempt(self, who: str, request_id: str, action: str, role: str = "") -> str:
        before = len(_refusals())
        if action == "sign":
            response = post(self.clients[who], f"/requests/{request_id}/sign-offs", {"role": role})
        else:
            response = post(self.clients[who], f"/requests/{request_id}/release")
        new = _refusals()[before:]
        if response.status_code in (200, 201):
            assert not new and _succeeded(action, self.users[who], request_id)
            return "ok"
        code = response.json()["code"]
        assert [e["refs"]["reason"] for e in new] == [code], new  # the refusal is on the ledger
        return code


class ConsoleSurface:
    def __init__(self, users: dict) -> None:
        self.users = users
        self.clients = {name: verified_login(Client(), user) for name, user in users.items()}

    def look(self, who: str, request_id: str) -> Seen | str:
        response = self.clients[who].get(f"/console/privacy/requests/{request_id}/")
        if response.status_code == 404:
            return "not_found"
        assert response.status_code == 200, response.status_code
        html = response.content.decode()
        sign_offs = tuple(
            (signer, role, decision, counts == "true", reason)
            for role, signer, decision, counts, reason in re.findall(
                r'<li data-role="(\w+)" data-signer="([^"]+)" data-decision="(\w+)" data-counts="(\w+)" '
                r'data-reason="(\w*)"',
                html,
            )
        )
        missing = re.search(r'id="missing-signoffs" data-roles="([\w ]*)"', html)
        return Seen(
            status=re.search(r'id="request-status" data-status="(\w+)"', html).group(1),
            sign_offs=sign_offs,
            missing=tuple(missing.group(1).split()) if missing else (),
            sign_as=self._roles(html, "sign-form"),
            reject_as=self._roles(html, "reject-form"),
            release='id="release-form"' in html,
            edit='id="evidence-form"' in html,
        )

    @staticmethod
    def _roles(html: str, form_id: str) -> tuple[str, ...]:
        form = re.search(rf'id="{form_id}">(.*?)</form>', html, re.S)
        return tuple(sorted(re.findall(r'name="role" value="(\w+)"', form.group(1)))) if form else ()

    def attempt(self, who: str, request_id: str, action: str, role: str = "") -> str:
        before = len(_refusals())
        response = self.clients[who].post(
            f"/console/privacy/requests/{request_id}/act/", {"action": action, "role": role, "note": ""}
        )
        new = _refusals()[before:]
        if new:
            [event] = new
            return event["refs"]["reason"]
        # Every refusal is evidence: a 403 (the console's URL rules) without its ledger event fails here.
        assert response.status_code != 403, "refused without a ledger event"
        assert response.status_code == 302 and _succeeded(action, self.users[who], request_id)
        return "ok"


@pytest.fixture
def people(catalog, office):
    elsewhere = OfficeFactory(code="B02", region=office.region)
    return {
        "intake": staff_user("intake", Role.OFFICE_MANAGER, office),  # takes both requests in
        "manager": staff_user("manager", Role.OFFICE_MANAGER, office),  # signs, then moves office
        "manager2": staff_user("manager2", Role.OFFICE_MANAGER, office),  # the replacement
        "other_manager": staff_user("other_manager", Role.OFFICE_MANAGER, elsewhere),
        "rpo_old": staff_user("rpo_old", Role.REGIONAL_PRIVACY_OFFICER, region=office.region),  # loses the role
        "rpo": staff_user("rpo", Role.REGIONAL_PRIVACY_OFFICER, region=office.region),
        "other_rpo": staff_user("other_rpo", Role.REGIONAL_PRIVACY_OFFICER, region=9),
        "counsel_old": staff_user("counsel_old", Role.GENERAL_COUNSEL),  # signs, then leaves (deactivated)
        "counsel": staff_user("counsel", Role.GENERAL_COUNSEL),
        "auditor": staff_user("auditor", Role.AUDITOR),
    }


def signed(signer: str, role: str, counts: bool = True, reason: str = "") -> tuple:
    return (signer, role, "approved", counts, reason)


NOTHING = {"sign_as": (), "reject_as": (), "release": False, "edit": False}

# Each stage: what each actor sees (beyond status, sign-offs and missing roles, shared by all who see it),
# then the attempts made at that stage with their result on each surface.
STAGES = [
    (
        "received",
        {
            "status": "awaiting_signoff",
            "sign_offs": (),
            "missing": (GC, OM, RPO),
            "actors": {
                "intake": NOTHING | {"edit": True},
                "manager": {"sign_as": (OM,), "reject_as": (OM,), "release": False, "edit": True},
                "other_manager": "not_found",
                "rpo": {"sign_as": (RPO,), "reject_as": (RPO,), "release": False, "edit": True},
                "other_rpo": "not_found",
                "counsel": {"sign_as": (GC,), "reject_as": (GC,), "release": False, "edit": True},
                "auditor": NOTHING,
            },
        },
        [
            ("intake", "sign", OM, "intake_clerk_cannot_sign"),
            ("other_manager", "sign", OM, "request_not_found"),
            ("other_rpo", "sign", RPO, "request_not_found"),
            ("counsel", "sign", OM, "not_a_signer"),
            # Both refuse and record it: the console at its URL rule (console/access.py), the API in the service.
            ("auditor", "sign", GC, {"api": "not_a_signer", "console": "role_not_allowed"}),
            ("rpo", "release", "", "not_approved"),
            ("intake", "release", "", "not_a_releaser"),
            ("manager", "sign", OM, "ok"),
            ("rpo_old", "sign", RPO, "ok"),
            ("counsel_old", "sign", GC, "ok"),
        ],
    ),
    (
        "approved",
        {
            "status": "approved",
            "sign_offs": (signed("manager", OM), signed("rpo_old", RPO), signed("counsel_old", GC)),
            "missing": (),
            "actors": {
                "intake": NOTHING | {"edit": True},
                "manager2": {"sign_as": (), "reject_as": (OM,), "release": False, "edit": True},
                "rpo": {"sign_as": (), "reject_as": (RPO,), "release": True, "edit": True},
                "counsel": {"sign_as": (), "reject_as": (GC,), "release": True, "edit": True},
                "auditor": NOTHING,
            },
        },
        [
            ("manager2", "sign", OM, "role_already_signed"),
            ("manager", "sign", OM, "already_signed"),
        ],
    ),
    (
        "signers_gone",  # the manager moved office, rpo_old lost the role, counsel_old left
        {
            "status": "awaiting_signoff",
            "sign_offs": (
                signed("manager", OM, False, "signer_lost_role"),
                signed("rpo_old", RPO, False, "signer_lost_role"),
                signed("counsel_old", GC, False, "signer_inactive"),
            ),
            "missing": (GC, OM, RPO),
            "actors": {
                "intake": NOTHING | {"edit": True},
                "manager": "not_found",
                "manager2": {"sign_as": (OM,), "reject_as": (OM,), "release": False, "edit": True},
                "rpo": {"sign_as": (RPO,), "reject_as": (RPO,), "release": False, "edit": True},
                "counsel": {"sign_as": (GC,), "reject_as": (GC,), "release": False, "edit": True},
                "auditor": NOTHING,
            },
        },
        [
            ("rpo", "release", "", "not_approved"),
            ("manager", "sign", OM, "request_not_found"),
            ("manager2", "sign", OM, "ok"),  # replaces the manager who moved: must succeed
            ("rpo", "sign", RPO, "ok"),
            ("counsel", "sign", GC, "ok"),
        ],
    ),
    (
        "replaced",
        {
            "status": "approved",
            "sign_offs": (
                signed("manager", OM, False, "signer_lost_role"),
                signed("rpo_old", RPO, False, "signer_lost_role"),
                signed("counsel_old", GC, False, "signer_inactive"),
                signed("manager2", OM),
                signed("rpo", RPO),
                signed("counsel", GC),
            ),
            "missing": (),
            "actors": {
                "intake": NOTHING | {"edit": True},
                "manager2": {"sign_as": (), "reject_as": (OM,), "release": False, "edit": True},
                "rpo": {"sign_as": (), "reject_as": (RPO,), "release": True, "edit": True},
                "counsel": {"sign_as": (), "reject_as": (GC,), "release": True, "edit": True},
                "other_rpo": "not_found",
                "auditor": NOTHING,
            },
        },
        [("manager2", "release", "", "not_a_releaser"), ("rpo", "release", "", "ok")],
    ),
    (
        "released",
        {
            "status": "released",
            "sign_offs": (
                signed("manager", OM, False, "signer_lost_role"),
                signed("rpo_old", RPO, False, "signer_lost_role"),
                signed("counsel_old", GC, False, "signer_inactive"),
                signed("manager2", OM),
                signed("rpo", RPO),
                signed("counsel", GC),
            ),
            "missing": (),
            "actors": {name: NOTHING for name in ("intake", "manager2", "rpo", "counsel", "auditor")},
        },
        [("counsel", "release", "", "request_closed"), ("manager2", "sign", OM, "request_closed")],
    ),
]


def _lose_signers(people: dict) -> None:
    profile = people["manager"].staff_profile
    profile.office = people["other_manager"].staff_profile.office
    profile.save()
    people["rpo_old"].groups.remove(Group.objects.get(name=Role.REGIONAL_PRIVACY_OFFICER.value))
    people["counsel_old"].is_active = False
    people["counsel_old"].save()


def test_the_api_and_the_console_give_one_answer_at_every_step(people, appointment):
    intake = Client()
    intake.force_login(people["intake"])
    ids = {"api": take_in(intake)["id"], "console": take_in(intake)["id"]}
    surfaces = {"api": ApiSurface(people), "console": ConsoleSurface(people)}
    for stage, expected, attempts in STAGES:
        if stage == "signers_gone":
            _lose_signers(people)
        for who, allowed in expected["actors"].items():
            seen = {name: surface.look(who, ids[name]) for name, surface in surfaces.items()}
            assert seen["api"] == seen["console"], (stage, who, seen)
            if allowed == "not_found":
                assert seen["api"] == "not_found", (stage, who)
                continue
            assert seen["api"] == Seen(
                status=expected["status"],
                sign_offs=expected["sign_offs"],
                missing=expected["missing"],
                **allowed,
            ), (stage, who)
        for who, action, role, outcome in attempts:
            wanted = outcome if isinstance(outcome, dict) else {"api": outcome, "console": outcome}
            for name, surface in surfaces.items():
                assert surface.attempt(who, ids[name], action, role) == wanted[name], (stage, who, action, name)


def test_a_replacement_voids_the_stale_approval_with_its_reason(people, appointment):
    api = ApiSurface(people)
    intake = Client()
    intake.force_login(people["intake"])
    request_id = take_in(intake)["id"]
    assert api.attempt("manager", request_id, "sign", OM) == "ok"
    _lose_signers(people)
    assert api.attempt("manager2", request_id, "sign", OM) == "ok"
    old = SignOff.objects.get(signer=people["manager"])
    assert old.voided_at is not None and old.void_reason == "signer_lost_role"
    [voided] = LedgerEvent.objects.filter(type="disclosures.request.sign_offs_voided")
    assert voided.event["refs"]["reason"] == "signer_lost_role" and voided.event["refs"]["count"] == 1


def test_release_packet_lists_only_the_approvals_that_count(people, appointment):
    api = ApiSurface(people)
    intake = Client()
    intake.force_login(people["intake"])
    request_id = take_in(intake)["id"]
    for who, role in (("manager", OM), ("rpo_old", RPO), ("counsel_old", GC)):
        assert api.attempt(who, request_id, "sign", role) == "ok"
    _lose_signers(people)
    for who, role in (("manager2", OM), ("rpo", RPO), ("counsel", GC)):
        assert api.attempt(who, request_id, "sign", role) == "ok"
    assert api.attempt("rpo", request_id, "release") == "ok"
    release = Release.objects.get()
    packet = api.clients["rpo"].get(f"{API}/releases/{release.public_id}/packet.json").json()
    assert sorted((s["signer"], s["role"]) for s in packet["sign_offs"]) == [
        ("counsel", GC),
        ("manager2", OM),
        ("rpo", RPO),
    ]


def test_a_refused_read_is_recorded_the_same_whether_or_not_the_request_exists(people, appointment):
    intake = Client()
    intake.force_login(people["intake"])
    real = take_in(intake)["id"]
    missing = "00000000-0000-4000-8000-000000000000"
    outsider = ApiSurface({"other_rpo": people["other_rpo"]}).clients["other_rpo"]
    answers = [outsider.get(f"{API}/requests/{rid}") for rid in (real, missing)]
    assert [a.status_code for a in answers] == [404, 404]
    assert answers[0].json() == answers[1].json()
    events = LedgerEvent.objects.filter(type="disclosures.request.view.refused").order_by("id")
    shapes = [{k: v for k, v in e.event.items() if k not in ("time",)} for e in events]
    assert [s["refs"] for s in shapes] == [
        {"request": real, "reason": "request_not_found"},
        {"request": missing, "reason": "request_not_found"},
    ]
    assert all(s["subjects"] == [] for s in shapes)
    # Apart from the id the outsider typed, the two events are the same.
    assert {**shapes[0], "refs": None} == {**shapes[1], "refs": None}


def test_refused_rejections_edits_and_evidence_are_on_the_ledger(people, appointment):
    intake = Client()
    intake.force_login(people["intake"])
    request_id = take_in(intake)["id"]
    auditor = ApiSurface({"auditor": people["auditor"]}).clients["auditor"]
    assert post(auditor, f"/requests/{request_id}/rejection", {"role": GC, "reason": "No"}).status_code == 403
    patched = auditor.patch(f"{API}/requests/{request_id}", {"purpose_detail": "x"}, content_type="application/json")
    assert patched.status_code == 403 and patched.json()["code"] == "not_an_editor"
    counsel = ApiSurface({"counsel": people["counsel"]}).clients["counsel"]
    assert post(counsel, f"/requests/{request_id}/rejection", {"role": GC, "reason": "No"}).status_code == 200
    closed = counsel.patch(f"{API}/requests/{request_id}", {"purpose_detail": "x"}, content_type="application/json")
    assert closed.status_code == 409
    refused = [(e["type"], e["refs"]["reason"], e["actor"]) for e in _refusals()]
    assert refused == [
        ("disclosures.request.reject.refused", "not_a_signer", "staff:auditor"),
        ("disclosures.request.edit.refused", "not_an_editor", "staff:auditor"),
        ("disclosures.request.edit.refused", "request_closed", "staff:counsel"),
    ]
    assert all(e["refs"]["request"] == request_id for e in _refusals())
