"""An office manager's staff members and interpreters: the resources a schedule books.

What a staff member can do is named by the service catalog's skills and a resource's languages by the
interpreter languages, both scheduling's vocabulary, so this lives in scheduling rather than offices
(docs/adr/0025-layers.md). Each change checks the manager policy first, runs in one transaction and
appends its ledger event in that transaction (AC-6; AU-2).
"""

from django.db import transaction

from frontdesk.accounts.actors import Actor
from frontdesk.core.errors import PermissionDenied, ValidationFailed
from frontdesk.ledger.services import event_append
from frontdesk.offices.models import Office, Resource, ResourceKind
from frontdesk.offices.policies import can_manage_office

from .catalog import SKILLS
from .languages import is_known

SPOKEN_DEFAULT = "en"
MANAGED_KINDS = (ResourceKind.STAFF, ResourceKind.INTERPRETER)


def _require_manager(actor: Actor, office: Office) -> None:
    if not can_manage_office(actor, office):
        raise PermissionDenied("Only this office's manager can change its setup.")


def _clean_skills(skills: list[str]) -> list[str]:
    unknown = sorted(set(skills) - set(SKILLS))
    if unknown:
        raise ValidationFailed(f"Unknown skills: {', '.join(unknown)}.", field="skills")
    return sorted(set(skills))


def _clean_languages(languages: list[str], *, kind: str) -> list[str]:
    cleaned = sorted({tag.strip().lower() for tag in languages if tag.strip()})
    unknown = [tag for tag in cleaned if tag != SPOKEN_DEFAULT and not is_known(tag)]
    if unknown:
        raise ValidationFailed(f"Unknown languages: {', '.join(unknown)}.", field="languages")
    if kind == ResourceKind.INTERPRETER and not [tag for tag in cleaned if tag != SPOKEN_DEFAULT]:
        raise ValidationFailed("An interpreter needs at least one language other than English.", field="languages")
    return cleaned


def resource_add(
    *,
    actor: Actor,
    office: Office,
    kind: str,
    name: str,
    skills: list[str] | None = None,
    languages: list[str] | None = None,
    remote: bool = False,
) -> Resource:
    """Add a staff member (with the services they can do) or an interpreter to the office."""
    _require_manager(actor, office)
    if kind not in MANAGED_KINDS:
        raise ValidationFailed("Add a staff member or an interpreter.", field="kind")
    name = name.strip()
    if not name or len(name) > 120:
        raise ValidationFailed("Give a name of up to 120 characters.", field="name")
    clean_skills = _clean_skills(skills or []) if kind == ResourceKind.STAFF else []
    if kind == ResourceKind.STAFF and not clean_skills:
        raise ValidationFailed("Choose at least one service this staff member can do.", field="skills")
    clean_languages = _clean_languages(languages or [SPOKEN_DEFAULT], kind=kind)
    with transaction.atomic():
        resource = Resource.objects.create(
            office=office,
            kind=kind,
            name=name,
            skills=clean_skills,
            languages=clean_languages,
            remote=remote and kind == ResourceKind.INTERPRETER,
        )
        event_append(
            type="offices.resource.added",
            actor=actor,
            refs={"office": office.code, "resource": str(resource.public_id), "kind": kind},
        )
    return resource


def resource_update(
    *,
    actor: Actor,
    resource: Resource,
    active: bool | None = None,
    skills: list[str] | None = None,
    languages: list[str] | None = None,
) -> Resource:
    """Change what a staff member can do, which languages a resource works in, or take it off the
    schedule (inactive resources are offered for no new slot; booked appointments keep their holds)."""
    _require_manager(actor, resource.office)
    with transaction.atomic():
        resource = Resource.objects.select_for_update().select_related("office").get(pk=resource.pk)
        changed = []
        if active is not None and active != resource.active:
            resource.active = active
            changed.append("active")
        if skills is not None and resource.kind == ResourceKind.STAFF:
            clean = _clean_skills(skills)
            if not clean:
                raise ValidationFailed("Choose at least one service this staff member can do.", field="skills")
            if clean != resource.skills:
                resource.skills = clean
                changed.append("skills")
        if languages is not None:
            clean_languages = _clean_languages(languages, kind=resource.kind)
            if clean_languages != resource.languages:
                resource.languages = clean_languages
                changed.append("languages")
        if changed:
            resource.save(update_fields=changed)
            event_append(
                type="offices.resource.changed",
                actor=actor,
                refs={
                    "office": resource.office.code,
                    "resource": str(resource.public_id),
                    "changed": ",".join(changed),
                    "active": resource.active,
                },
            )
    return resource
