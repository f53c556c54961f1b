"""What a person sees on a phone: the page's question is its biggest text, header links are targets of
at least 24 px (WCAG 2.5.8), and the banner's focus ring stands out from its background (WCAG 1.4.11)."""

import pytest

from tests.factories import OfficeFactory, staff_resource

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def _luminance(rgb: list[int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: list[int], b: list[int]) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


RGB = "(c) => c.match(/\\d+/g).map(Number)"


def test_a_phone_sees_the_heading_first_big_targets_and_a_visible_focus(browser, live_server, catalog):
    office = OfficeFactory(code="A01", zip_code="10007", name="Lower Manhattan")
    staff_resource(office, name="Agent One")
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/book/?office=A01")
    size = "(s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize)"
    assert page.evaluate(size, "h1") > page.evaluate(size, ".usa-legend--large")
    heights = page.evaluate(
        "() => [...document.querySelectorAll('.fd-header__links a')].map(a => a.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 24, heights
    page.focus(".usa-banner__button")
    ring = page.evaluate(f"() => ({RGB})(getComputedStyle(document.activeElement).outlineColor)")
    behind = page.evaluate(f"() => ({RGB})(getComputedStyle(document.querySelector('.usa-banner')).backgroundColor)")
    assert _contrast(ring, behind) >= 3, (ring, behind)
    context.close()
