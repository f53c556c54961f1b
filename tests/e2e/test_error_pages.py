"""Error pages pass axe-core and the content security policy like every other page, in both languages."""

import pytest

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.urls("tests.errors.failing_urls"),
]


@pytest.mark.parametrize(
    ("path", "name", "heading"),
    [
        ("/no-such-page/", "error-404", "We can\u2019t find that page"),
        ("/es/no-such-page/", "error-404-es", "No encontramos esa página"),
        ("/failing/explode/", "error-500", "Sorry, something went wrong on our side"),
        ("/es/failing/refuse/", "error-403-es", "No puede abrir esta página"),
        ("/console/no-such-page/", "error-404-console", "There is no console page at this address"),
    ],
)
def test_error_pages_pass_axe(visit, path, name, heading):
    visit.open(path)
    assert visit.page.locator("h1").inner_text() == heading
    visit.check(name)


def test_the_404_page_leads_back_to_finding_an_office(visit):
    visit.open("/es/no-such-page/")
    with visit.page.expect_navigation():
        visit.page.get_by_role("link", name="Encontrar una oficina y hacer una cita").click()
    assert visit.page.url.endswith("/es/offices/")
    visit.check("error-404-way-back")
