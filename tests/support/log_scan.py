"""Personal data and credentials in the logs a test run produced: what to look for, and the scan.

Looked for in every line: checksum-valid resident IDs, mobile numbers, bearer tokens and page
cookies by their shape, and the literal secrets of the run (every password and payee account number
the tests sent, the tokens and cookie values the gateway issued, the secret key), which
`remember_response` collects as the tests talk to the gateway. Passwords are matched as literals, not
by a `password=` shape, which a traceback's source line (`password=data.password`) would match too.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl

import requests
from itsdangerous import BadData

from services.gateway.web.session import CSRF_COOKIE, SESSION_COOKIE, CookieCodec
from shared.errors import InvalidInput
from shared.identity import check_resident_id

RESIDENT_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
BEARER = re.compile(r"(?i)\bbearer\s+([A-Za-z0-9._~+/-]{16,})")
PAGE_COOKIE = re.compile(r"\bguiyan_(?:session|csrf)=([^\s;,\"']{16,})")
# ids and addresses that are not personal data, though a run of their digits may look like it
OPAQUE_IDS = re.compile(r"0x[0-9a-fA-F]+|\b[0-9a-f]{8}(?:-?[0-9a-f]{4}){3}-?[0-9a-f]{12}\b")
NOT_AN_ID = {"id_number_format", "id_number_checksum", "id_number_birth_date"}
MIN_SECRET = 8  # shorter literals ("x", "y") would match everywhere and guard nothing


def mask(value: str) -> str:
    """Enough of a finding to find it again, not enough to use it."""
    if len(value) <= MIN_SECRET:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 5)}{value[-2:]}"


def is_resident_id(number: str) -> bool:
    """18 characters whose checksum (GB 11643) and birth date are right."""
    try:
        check_resident_id(number)
    except InvalidInput as refused:
        return refused.code not in NOT_AN_ID
    return True


class Secrets:
    """Literal values no log may hold, found in a line through an index of their first characters."""

    def __init__(self):
        self.kinds: dict[str, str] = {}
        self.by_prefix: dict[str, list[str]] = {}

    def add(self, value: str | None, kind: str) -> None:
        if not isinstance(value, str) or len(value) < MIN_SECRET or value in self.kinds:
            return
        self.kinds[value] = kind
        self.by_prefix.setdefault(value[:MIN_SECRET], []).append(value)

    def find(self, line: str) -> Iterator[tuple[str, str]]:
        for start in range(len(line) - MIN_SECRET + 1):
            for value in self.by_prefix.get(line[start:start + MIN_SECRET], ()):
                if line.startswith(value, start):
                    yield self.kinds[value], value


ISSUED = Secrets()  # filled while the tests run; read by the scan at the end of the session


def findings_in_line(line: str, secrets: Secrets) -> Iterator[tuple[str, str]]:
    """(kind, value) for every piece of personal data or credential in one log line."""
    numbers = OPAQUE_IDS.sub(lambda m: "#" * len(m.group()), line)
    for match in RESIDENT_ID.finditer(numbers):
        if is_resident_id(match.group()):
            yield "resident ID", match.group()
    for match in MOBILE.finditer(numbers):
        yield "mobile number", match.group()
    for kind, pattern in (("bearer token", BEARER), ("page cookie", PAGE_COOKIE)):
        for match in pattern.finditer(line):
            yield kind, match.group(1)
    yield from secrets.find(line)


@dataclass(frozen=True)
class Finding:
    source: str
    line: int
    kind: str
    value: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.kind} {mask(self.value)}"


@dataclass
class ScanReport:
    secrets: int = 0  # literal passwords, tokens and cookies looked for
    files: int = 0
    captured: int = 0  # outputs pytest captured (stdout, stderr, logging of each test phase)
    lines: int = 0
    findings: list[Finding] = field(default_factory=list)

    def scan_captured(self, source: str, text: str, secrets: Secrets) -> None:
        self.captured += 1
        self.scan_text(source, text, secrets)

    def scan_text(self, source: str, text: str, secrets: Secrets) -> None:
        for number, line in enumerate(text.splitlines(), 1):
            self.lines += 1
            self.findings += [Finding(source, number, kind, value)
                              for kind, value in findings_in_line(line, secrets)]

    def scan_file(self, path: Path, secrets: Secrets) -> None:
        self.files += 1
        self.scan_text(str(path), path.read_text(encoding="utf-8", errors="replace"), secrets)

    def summary(self) -> str:
        return (f"personal data in logs: {self.files} log files and {self.captured} captured outputs, "
                f"{self.lines} log lines scanned (ID and mobile numbers, {self.secrets} passwords, "
                f"tokens and cookies of the run), {len(self.findings)} findings")


def log_files(folders: Iterable[Path]) -> list[Path]:
    """Every `*.log` under the folders, once."""
    found = {path.resolve() for folder in folders if folder.is_dir() for path in folder.rglob("*.log")}
    return sorted(path for path in found if path.is_file())


def scan_run(folders: Iterable[Path], captured: Iterable[tuple[str, str]],
             passwords: Iterable[str]) -> ScanReport:
    """The run's log files under `folders` and its captured output, for what the run issued too."""
    for password in passwords:
        ISSUED.add(password, "password")
    ISSUED.add(os.environ.get("GUIYAN_SECRET_KEY"), "secret key")
    report = ScanReport(secrets=len(ISSUED.kinds))
    for path in log_files(folders):
        report.scan_file(path, ISSUED)
    for source, text in captured:
        report.scan_captured(source, text, ISSUED)
    return report


# ---- collecting what the gateway issues, from the tests' side of the conversation ------------

def remember_cookie(name: str, value: str) -> None:
    """A cookie the gateway set, and the token signed into it."""
    ISSUED.add(value, f"cookie {name}")
    codec = CookieCodec(os.environ.get("GUIYAN_SECRET_KEY", ""), False, 1)
    serializer = {SESSION_COOKIE: codec.sessions, CSRF_COOKIE: codec.csrf}.get(name)
    try:
        inner = serializer.loads(value) if serializer else None
    except BadData:
        return
    ISSUED.add(inner, f"token in cookie {name}")


SENT_SECRETS = {"password": "password", "account_number": "account number"}  # a body's key holding -> kind


def _sent_secrets(request: requests.PreparedRequest) -> Iterator[tuple[str, str]]:
    """(kind, value) of the passwords and the payee account numbers (收款账号) a request sent."""
    body = request.body
    if not body or not isinstance(body, (str, bytes)):
        return
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        fields = json.loads(text) if text.lstrip().startswith("{") else dict(parse_qsl(text))
    except ValueError:
        return
    if isinstance(fields, dict):
        yield from ((kind, value) for key, value in fields.items() for part, kind in SENT_SECRETS.items()
                    if part in str(key).lower())


def _issued_token(response: requests.Response) -> str | None:
    if "json" not in response.headers.get("Content-Type", "") or b'"token"' not in response.content:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("token") if isinstance(body, dict) else None


def remember_response(response: requests.Response, *args, **kwargs) -> None:
    """requests response hook: keep the passwords sent and the tokens and cookies received."""
    try:
        for kind, value in _sent_secrets(response.request):
            ISSUED.add(value, kind)
        ISSUED.add(_issued_token(response), "bearer token")
        for cookie in response.cookies:
            remember_cookie(cookie.name, cookie.value or "")
    except Exception:  # a hook that broke the test's request would hide the test's own result
        pass


def watch_requests() -> None:
    """Every requests.Session in this process (tests' clients, the demo seeder) tells the scan."""
    original = requests.Session.__init__
    if getattr(original, "guiyan_watched", False):
        return

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.hooks["response"].append(remember_response)

    init.guiyan_watched = True  # type: ignore[attr-defined]
    requests.Session.__init__ = init  # type: ignore[method-assign]
