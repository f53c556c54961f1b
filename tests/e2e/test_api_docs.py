"""The API's interactive documentation still works under the site's content security policy."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_api_docs_render_under_the_csp(visit, catalog):
    visit.open("/api/v1/docs")
    visit.page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    csp = [e for e in visit.console_errors if "Content Security Policy" in e]
    assert csp == []
