"""A verified sign-in gets the person's accounting of disclosures, with the same (b)(7) withholding and
the same proof downloads as a look-up by appointment code (disclosures/selectors.py, proofs.py)."""

import pytest
from django.test import Client

from frontdesk.disclosures.models import AccountingEntry
from tests.disclosures.conftest import appointment, catalog, clients, office, staff  # noqa: F401
from tests.disclosures.test_accounting_proofs import disclosed  # noqa: F401
from tests.ledger.conftest import witnesses  # noqa: F401

from .flow import sign_in

pytestmark = pytest.mark.django_db


def test_the_accounting_shows_what_she_may_see_with_its_proof(signin_settings, oidc_provider, disclosed):  # noqa: F811
    web = Client()
    assert sign_in(web, oidc_provider, "ana", "ial2").status_code == 302
    response = web.get("/my/")
    page = response.content.decode()
    seen = AccountingEntry.objects.get(subject_may_see=True)
    withheld = AccountingEntry.objects.get(subject_may_see=False)
    assert seen.recipient_name in page
    assert withheld.recipient_name not in page  # (b)(7): left out without a trace
    [entry] = response.context["entries"]
    assert entry.pk == seen.pk and entry.proof_token

    proof = web.post("/accounting/proof/", {"token": entry.proof_token})
    assert proof.status_code == 200 and proof["Content-Type"].startswith("application/json")
    assert proof.json()["about"]["accounting_entry"] == str(seen.public_id)


def test_ial1_gets_no_accounting(signin_settings, oidc_provider, disclosed):  # noqa: F811
    web = Client()
    assert sign_in(web, oidc_provider, "sam", "ial1").status_code == 302
    response = web.get("/my/")
    assert response.context["entries"] is None
    assert AccountingEntry.objects.get(subject_may_see=True).recipient_name not in response.content.decode()
