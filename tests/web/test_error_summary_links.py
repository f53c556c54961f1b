"""Every link in an error summary lands on an input that is on the page."""

import re

from django import forms

from frontdesk.web.fields import UswdsForm


class Choices(UswdsForm):
    name = forms.CharField(label="Name")
    colour = forms.ChoiceField(label="Colour", choices=[("r", "Red"), ("g", "Green")], widget=forms.RadioSelect)
    scopes = forms.MultipleChoiceField(
        label="Scopes", choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple
    )
    agree = forms.BooleanField(label="I agree")


def test_each_summary_link_targets_an_input_of_the_form():
    form = Choices(data={})
    assert not form.is_valid()
    html = "".join(str(bound) for bound in form)
    ids = set(re.findall(r'<input[^>]*\bid="([^"]+)"', html))  # a link must move focus to an input
    anchors = [anchor for anchor, _text in form.error_summary()]
    assert len(anchors) == 4
    assert all(anchor in ids for anchor in anchors), (anchors, sorted(ids))
