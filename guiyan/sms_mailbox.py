"""The demonstration's SMS gateway: an SMTP server on this machine that takes the text messages the
services send (`shared.sms`, one e-mail per text to <phone>@<domain>) and writes each one to
`.run/sms.log` and to its own output, so that whoever tries `make run` can read the code a phone
would receive. `make run` starts it in demo mode when no real gateway is configured."""

from __future__ import annotations

import sys
import threading
from email import message_from_bytes, policy
from pathlib import Path

from shared import clock

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / ".run" / "sms.log"
PORT = 8025
LINE = "{moment} 短信 → {phone}：{text}\n"  # one line per text (the tests read them back)


class Handler:
    def __init__(self, log: Path):
        self.log = log

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        mail = message_from_bytes(envelope.content, policy=policy.default)
        text = " ".join(mail.get_body(preferencelist=("plain",)).get_content().split())
        for recipient in envelope.rcpt_tos:
            line = LINE.format(moment=f"{clock.now():%Y-%m-%d %H:%M:%S}", phone=recipient.split("@")[0], text=text)
            with self.log.open("a", encoding="utf-8") as out:
                out.write(line)
            print(line, end="", flush=True)
        return "250 OK"


def main(argv: list[str] | None = None) -> None:
    """`python -m guiyan.sms_mailbox [PORT] [LOG]`"""
    from aiosmtpd.controller import Controller  # only this process needs it

    args = sys.argv[1:] if argv is None else argv
    port = int(args[0]) if args else PORT
    log = Path(args[1]) if len(args) > 1 else LOG
    log.parent.mkdir(parents=True, exist_ok=True)
    controller = Controller(Handler(log), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"demo SMS gateway on 127.0.0.1:{port}; texts go to {log}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
