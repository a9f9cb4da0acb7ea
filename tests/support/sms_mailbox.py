"""A local SMTP server standing in for the e-mail-to-SMS gateway: every text a service sends lands
here, addressed to <phone>@sms.test, so that a test can read the code a person would read."""

from __future__ import annotations

import re
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller

from tests.support.waiting import eventually

DOMAIN = "sms.test"


class SmsMailbox:
    def __init__(self, port: int):
        self.port = port
        self.messages: list[tuple[str, str, str]] = []  # (phone, message id, text)
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=port)

    def env(self) -> dict[str, str]:
        return {"GUIYAN_SMS_SMTP_HOST": "127.0.0.1", "GUIYAN_SMS_SMTP_PORT": str(self.port),
                "GUIYAN_SMS_DOMAIN": DOMAIN}

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        mail = message_from_bytes(envelope.content, policy=policy.default)
        text = mail.get_body(preferencelist=("plain",)).get_content().strip()
        with self._lock:
            for recipient in envelope.rcpt_tos:
                self.messages.append((recipient.split("@")[0], mail["Message-ID"], text))
        return "250 OK"

    def texts_to(self, phone: str) -> list[str]:
        with self._lock:
            return [text for to, _, text in self.messages if to == phone]

    def code_for(self, phone: str, after: int = 0) -> str:
        """The six-digit code of the text to `phone` after the first `after` ones, once it arrives."""
        eventually(lambda: len(self.texts_to(phone)) > after, timeout=30, message=f"no text to {phone}")
        return re.search(r"验证码(\d{6})", self.texts_to(phone)[after])[1]
