"""The ledger as the whole site serves it (config/urls.py and every middleware)."""


def test_public_key_and_auditor_refusal_through_the_site(client, signing_key, db):
    assert client.get("/ledger/key").status_code == 200
    response = client.get("/ledger/audit/events/0")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
