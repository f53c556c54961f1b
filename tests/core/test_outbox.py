"""The demo's outbox: email and texts printed to one file whichever process sends them, each message whole."""

import logging
import multiprocessing

from django.core.mail import EmailMessage, send_mail

from frontdesk.core.outbox import EmailBackend
from frontdesk.scheduling.sms import ConsoleSmsBackend

PHONE = "+12075550142"


def test_email_and_texts_go_to_the_outbox_file(settings, tmp_path, capsys):
    settings.EMAIL_BACKEND = "frontdesk.core.outbox.EmailBackend"
    settings.FRONTDESK_OUTBOX = str(tmp_path / "outbox.log")
    send_mail("Your code", "Your code is 123456.", None, ["rosa@example.org"])
    ConsoleSmsBackend().send(to=PHONE, body="An earlier time is available.")
    written = (tmp_path / "outbox.log").read_text()
    assert "Subject: Your code" in written and "To: rosa@example.org" in written and "123456" in written
    assert "SMS to ***0142: An earlier time is available." in written
    assert PHONE not in written and "2075550142" not in written  # the number is masked, as in logs
    assert capsys.readouterr().out == ""


def test_without_an_outbox_each_process_prints_its_own(settings, tmp_path, capsys, caplog):
    settings.EMAIL_BACKEND = "frontdesk.core.outbox.EmailBackend"
    settings.FRONTDESK_OUTBOX = ""
    send_mail("Your code", "Your code is 123456.", None, ["rosa@example.org"])
    with caplog.at_level(logging.INFO, logger="frontdesk.scheduling.sms"):
        ConsoleSmsBackend().send(to=PHONE, body="Reply C to confirm.")
    assert "Your code is 123456." in capsys.readouterr().out
    assert "SMS to ***0142: Reply C to confirm." in caplog.text
    assert list(tmp_path.iterdir()) == []


def _send_many(sender: int) -> None:
    # Longer than a buffered file writes at once, in lines short enough to be sent as they are.
    body = "\n".join(f"sender {sender} line {line} " + "x" * 50 for line in range(400))
    for n in range(20):
        EmailBackend().send_messages([EmailMessage(f"s{sender} n{n}", body, None, ["rosa@example.org"])])
        ConsoleSmsBackend().send(to=PHONE, body=f"s{sender} n{n} " + "y" * 5_000)


def test_messages_from_several_processes_are_not_mixed(settings, tmp_path):
    settings.FRONTDESK_OUTBOX = str(tmp_path / "outbox.log")
    fork = multiprocessing.get_context("fork")
    senders = [fork.Process(target=_send_many, args=(sender,)) for sender in range(4)]
    for process in senders:
        process.start()
    for process in senders:
        process.join(30)
        assert process.exitcode == 0
    messages = (tmp_path / "outbox.log").read_text().split("-" * 79 + "\n")
    assert messages[-1] == ""
    messages = messages[:-1]
    assert len(messages) == 4 * 20 * 2
    for message in messages:
        if message.startswith("SMS to ***0142: "):
            assert message.endswith("y" * 5_000 + "\n") and message.count("SMS to") == 1
        else:
            sender = message.split("Subject: s", 1)[1].split(" ", 1)[0]
            assert message.count("Subject:") == 1 and message.count("sender ") == 400
            assert message.count(f"sender {sender} line ") == 400
