"""The services' SMS gateway in tests: `guiyan.sms_mailbox` (the demonstration's own) as a process of
its own, so that a test reads the code a person would read. A process, not a thread: the test
process runs under eventlet, where two asyncio loops cannot run side by side."""

from __future__ import annotations

import atexit
import re
import socket
import subprocess
import sys
from pathlib import Path

from tests.support.waiting import eventually

DOMAIN = "sms.test"
ROOT = Path(__file__).resolve().parents[2]
LINE = re.compile(r"^\S+ \S+ 短信 → (\d+)：(.*)$")


class SmsMailbox:
    def __init__(self, port: int, log: Path):
        self.port, self.log = port, log
        self.process: subprocess.Popen | None = None

    def env(self) -> dict[str, str]:
        return {"GUIYAN_SMS_SMTP_HOST": "127.0.0.1", "GUIYAN_SMS_SMTP_PORT": str(self.port),
                "GUIYAN_SMS_DOMAIN": DOMAIN}

    def start(self) -> None:
        """Running (again, after a stop), answering on its port."""
        if self.process is not None and self.process.poll() is None:
            return
        self.process = subprocess.Popen([sys.executable, "-m", "guiyan.sms_mailbox", str(self.port), str(self.log)],
                                        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        atexit.register(self.stop)  # a stack a test left running does not leave its mailbox behind
        eventually(self._answers, timeout=20, interval=0.1, message=f"SMS mailbox on port {self.port}")

    def _answers(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        except OSError:
            return False
        return True

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def texts_to(self, phone: str) -> list[str]:
        if not self.log.exists():
            return []
        found = (LINE.match(line) for line in self.log.read_text("utf-8").splitlines())
        return [m[2] for m in found if m and m[1] == phone]

    def code_for(self, phone: str, after: int = 0) -> str:
        """The six-digit code of the text to `phone` after the first `after` ones, once it arrives."""
        eventually(lambda: len(self.texts_to(phone)) > after, timeout=30, message=f"no text to {phone}")
        return re.search(r"验证码(\d{6})", self.texts_to(phone)[after])[1]
