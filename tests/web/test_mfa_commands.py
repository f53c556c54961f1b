"""Issuing authenticator keys, and the demo's code helper that refuses to run in production."""

import pytest
from django.core.management import CommandError, call_command
from django_otp.plugins.otp_totp.models import TOTPDevice

from frontdesk.accounts.mfa import totp_device_pending
from frontdesk.accounts.roles import Role
from tests.factories import staff_user
from tests.web.auth import current_code

pytestmark = pytest.mark.django_db


def test_mfa_issue_replaces_the_key_and_prints_it(office, capsys):
    user = staff_user("clerk", Role.COUNTER_CLERK, office)
    call_command("mfa_issue", "clerk")
    first = TOTPDevice.objects.get(user=user)
    call_command("mfa_issue", "clerk")
    second = TOTPDevice.objects.get(user=user)
    assert first.pk != second.pk and second.confirmed
    assert "otpauth://totp/" in capsys.readouterr().out


def test_mfa_code_only_in_the_demo(office, settings, capsys):
    staff_user("clerk", Role.COUNTER_CLERK, office)
    call_command("mfa_issue", "clerk")
    settings.FRONTDESK_DEMO = False
    settings.DEBUG = True  # a debugging developer is not the demo
    with pytest.raises(CommandError, match="only in the demo"):
        call_command("mfa_code", "clerk")
    settings.FRONTDESK_DEMO = True
    settings.DEBUG = False  # the demo runs with DEBUG off
    capsys.readouterr()
    call_command("mfa_code", "clerk")
    assert capsys.readouterr().out.strip() == current_code(TOTPDevice.objects.get())


def test_mfa_code_gives_the_code_of_the_key_being_set_up_at_first_sign_in(office, settings, capsys):
    user = staff_user("clerk", Role.COUNTER_CLERK, office)
    settings.FRONTDESK_DEMO = True
    with pytest.raises(CommandError, match="sign in once"):
        call_command("mfa_code", "clerk")
    pending = totp_device_pending(user)
    capsys.readouterr()
    call_command("mfa_code", "clerk")
    assert capsys.readouterr().out.strip() == current_code(pending)
