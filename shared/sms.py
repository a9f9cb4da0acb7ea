"""Text messages to phones (短信) through a provider.

A provider is anything with `send(message)`; the first real one is an e-mail-to-SMS gateway over
SMTP (`SmtpSms`): each message is one plain-text e-mail to `<phone>@<domain>`, as government SMS
platforms and carriers' enterprise gateways accept. A message carries its own id as the e-mail's
Message-ID, so a gateway that sees the same message twice (a send retried after a crash) can drop
the repeat.

Senders call `send` from an event handler, never inside a user's command. A gateway that cannot be
reached raises `SmsGatewayAway`, a transient error: the event is retried with growing delays for as
long as it takes (the sender decides when a message is too late to matter). One that refuses the
message, or none configured, raises `SmsNotSent`: retried a few times, then parked for an operator.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

from pydantic import Field

from shared.settings import EnvironmentSettings

SIGNATURE = "【归雁】"
# the gateway answered and said no: trying again will not help
REFUSALS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError,
            smtplib.SMTPAuthenticationError, smtplib.SMTPNotSupportedError)


class SmsNotSent(Exception):
    """The provider refused the message, or none is configured."""


class SmsGatewayAway(SmsNotSent, ConnectionError):
    """The provider could not be reached: try again later."""


@dataclass(frozen=True)
class SmsMessage:
    id: str  # unique per message: the gateway's key against repeats
    phone: str
    text: str


class SmsProvider(Protocol):
    def send(self, message: SmsMessage) -> None: ...


class SmsSettings(EnvironmentSettings):
    """`GUIYAN_SMS_*`: where text messages go."""

    env_prefix = "GUIYAN_SMS_"
    smtp_host: str = Field(default="", description="the e-mail-to-SMS gateway's SMTP server; empty: not configured")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = False
    domain: str = Field(default="sms.localhost", description="messages go to <phone>@<domain>")
    sender: str = "guiyan@localhost"
    timeout_seconds: float = Field(default=10.0, gt=0)


class SmtpSms:
    """SMS through an e-mail-to-SMS gateway."""

    def __init__(self, settings: SmsSettings | None = None):
        self.settings = settings or SmsSettings()

    def send(self, message: SmsMessage) -> None:
        with self.batch() as batch:
            batch.send(message)

    @contextmanager
    def batch(self) -> Iterator[SmtpBatch]:
        """Several texts over one connection to the gateway (a sweep's), opened at the first."""
        batch = SmtpBatch(self.settings)
        try:
            yield batch
        finally:
            batch.close()


class SmtpBatch:
    """One connection to the gateway for the texts sent through it; a connection that breaks is
    opened again for the next text."""

    def __init__(self, settings: SmsSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: SmsMessage) -> None:
        s = self.settings
        if not s.smtp_host:
            raise SmsNotSent("no SMS gateway is configured (GUIYAN_SMS_SMTP_HOST)")
        mail = EmailMessage()
        mail["From"], mail["To"] = s.sender, f"{message.phone}@{s.domain}"
        mail["Subject"], mail["Date"] = "SMS", formatdate(localtime=False)
        mail["Message-ID"] = f"<{message.id}@{s.domain}>"
        mail.set_content(SIGNATURE + message.text)
        try:
            self._connection().send_message(mail)
        except REFUSALS as exc:
            raise SmsNotSent(f"the SMS gateway {s.smtp_host}:{s.smtp_port} refused the message: {exc}") from exc
        except OSError as exc:  # unreachable, timed out, disconnected (smtplib's errors are OSErrors too)
            self.close()
            raise SmsGatewayAway(f"the SMS gateway {s.smtp_host}:{s.smtp_port} cannot be reached: {exc}") from exc

    def _connection(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        s = self.settings
        smtp = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.timeout_seconds)
        try:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user:
                smtp.login(s.smtp_user, s.smtp_password)
        except BaseException:  # refused before any message: closed, as the one-text connection was
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):  # already gone: nothing to close politely
                smtp.close()
