"""Page sessions and CSRF: signed cookies (itsdangerous) and a double-submit token on every form."""

from __future__ import annotations

import hmac
import secrets
from functools import lru_cache
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeSerializer, URLSafeTimedSerializer

SESSION_COOKIE = "guiyan_session"
CSRF_COOKIE = "guiyan_csrf"
CSRF_FIELD = "csrf_token"
CSRF_ENVIRON = "guiyan.csrf_token"


class CookieCodec:
    """Signs and reads the two cookies; both are HttpOnly and SameSite=Lax."""

    def __init__(self, secret_key: str, secure: bool, session_hours: int):
        self.sessions = URLSafeTimedSerializer(secret_key, salt="guiyan.page-session")
        self.csrf = URLSafeSerializer(secret_key, salt="guiyan.csrf")
        self.secure = secure
        self.max_age = session_hours * 3600

    def _options(self) -> dict:
        return {"path": "/", "secure": self.secure, "httponly": True, "samesite": "Lax"}

    def session_token(self, request) -> str | None:
        return _load(self.sessions, request.cookies.get(SESSION_COOKIE), max_age=self.max_age)

    def set_session(self, response, token: str) -> None:
        response.set_cookie(SESSION_COOKIE, self.sessions.dumps(token), max_age=self.max_age,
                            **self._options())

    def clear_session(self, response) -> None:
        response.delete_cookie(SESSION_COOKIE, **self._options())

    def csrf_token(self, request) -> str | None:
        return _load(self.csrf, request.cookies.get(CSRF_COOKIE))

    def set_csrf(self, response, token: str) -> None:
        # a browser-session cookie: a fresh token comes with the next page after a restart
        response.set_cookie(CSRF_COOKIE, self.csrf.dumps(token), **self._options())


def _load(serializer, raw: str | None, **kwargs) -> str | None:
    if not raw or len(raw) > 500:
        return None
    try:
        value = serializer.loads(raw, **kwargs)
    except BadSignature:
        return None
    return value if isinstance(value, str) else None


@lru_cache(maxsize=4)
def _codec(secret_key: str, secure: bool, session_hours: int) -> CookieCodec:
    return CookieCodec(secret_key, secure, session_hours)


def codec_for(settings) -> CookieCodec:
    return _codec(settings.secret_key, settings.cookie_secure, settings.session_hours)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, submitted: str | None) -> bool:
    """The form's hidden token equals the one signed into the cookie (double submit)."""
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def safe_next(target: str | None, default: str = "/") -> str:
    """Only a path on this site: never another host (`//evil`, `/\\evil`, `https://…`)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ch in target for ch in "\r\n\\"):
        return default
    return target
