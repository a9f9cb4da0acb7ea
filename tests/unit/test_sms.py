"""Text messages through the e-mail-to-SMS gateway (shared/sms.py)."""

import smtplib

import pytest

from shared.sms import SmsGatewayAway, SmsMessage, SmsNotSent, SmsSettings, SmtpSms
from shared.transient import is_transient
from tests.stack import free_port
from tests.support.sms_mailbox import SmsMailbox


def gateway(port: int, **more) -> SmtpSms:
    return SmtpSms(SmsSettings(smtp_host="127.0.0.1", smtp_port=port, domain="sms.test", **more))


def test_a_text_reaches_a_real_smtp_server(tmp_path):
    mailbox = SmsMailbox(free_port(), tmp_path / "texts.txt")
    mailbox.start()
    try:
        gateway(mailbox.port).send(SmsMessage(id="claim-1-1", phone="13800000001", text="验证码123456，10分钟内有效。"))
        assert mailbox.texts_to("13800000001") == ["【归雁】验证码123456，10分钟内有效。"]
    finally:
        mailbox.stop()


class FakeSmtp:
    """smtplib.SMTP as the gateway would answer: it keeps what was sent, or refuses."""

    sent: list = []
    refuse: Exception | None = None
    quits = 0

    def __init__(self, host, port, timeout):
        self.address = (host, port)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def quit(self):
        FakeSmtp.quits += 1

    def send_message(self, mail):
        if FakeSmtp.refuse is not None:
            raise FakeSmtp.refuse
        FakeSmtp.sent.append(mail)


@pytest.fixture
def fake_smtp(monkeypatch):
    FakeSmtp.sent, FakeSmtp.refuse, FakeSmtp.quits = [], None, 0
    monkeypatch.setattr(smtplib, "SMTP", FakeSmtp)
    return FakeSmtp


def test_a_text_is_one_mail_to_the_phone_with_its_id_for_the_gateway_to_drop_repeats(fake_smtp):
    gateway(25).send(SmsMessage(id="claim-7-1700000000", phone="13800000002", text="验证码654321"))
    (mail,) = fake_smtp.sent
    assert mail["To"] == "13800000002@sms.test" and mail["Message-ID"] == "<claim-7-1700000000@sms.test>"
    assert mail.get_content().strip() == "【归雁】验证码654321"


def test_a_refusal_is_not_retried_for_ever(fake_smtp):
    fake_smtp.refuse = smtplib.SMTPRecipientsRefused({"13800000003@sms.test": (550, b"no such subscriber")})
    with pytest.raises(SmsNotSent) as refused:
        gateway(25).send(SmsMessage(id="x", phone="13800000003", text="x"))
    assert not isinstance(refused.value, SmsGatewayAway) and not is_transient(refused.value)


def test_no_gateway_configured_is_not_retried_for_ever():
    with pytest.raises(SmsNotSent) as missing:
        SmtpSms(SmsSettings(smtp_host="")).send(SmsMessage(id="x", phone="13800000004", text="x"))
    assert not is_transient(missing.value)


def test_an_unreachable_gateway_is_a_transient_failure():
    with pytest.raises(SmsGatewayAway) as failure:
        gateway(free_port(), timeout_seconds=2).send(SmsMessage(id="x", phone="13800000005", text="x"))
    assert is_transient(failure.value)


def test_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("GUIYAN_SMS_SMTP_HOST", "sms-gateway.example")
    monkeypatch.setenv("GUIYAN_SMS_SMTP_PORT", "2525")
    settings = SmsSettings()
    assert (settings.smtp_host, settings.smtp_port) == ("sms-gateway.example", 2525)


def test_a_batch_sends_its_texts_over_one_connection(fake_smtp, monkeypatch):
    opened = []
    monkeypatch.setattr(smtplib, "SMTP", lambda *args, **kw: opened.append(FakeSmtp(*args, **kw)) or opened[-1])
    with gateway(25).batch() as batch:
        for n in range(3):
            batch.send(SmsMessage(id=f"note-{n}", phone="13800000005", text="您的登记已核实"))
    assert len(opened) == 1 and len(fake_smtp.sent) == 3 and fake_smtp.quits == 1
