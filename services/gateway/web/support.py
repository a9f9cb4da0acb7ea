"""What every page handler needs: who is asking (from the session cookie) and rendering for them."""

from __future__ import annotations

import time
from urllib.parse import urlencode

import sqlalchemy as sa

from services.gateway.handlers import auth
from services.gateway.models import users
from services.gateway.rpc import Services
from services.gateway.web.http import LoginRequired
from services.gateway.web.render import NOTICES, render
from services.gateway.web.session import CSRF_ENVIRON, codec_for
from shared.actors import Actor, require_role
from shared.errors import NotFound, ServiceUnavailable

ACTOR_ENVIRON = "guiyan.actor"
LIST_PAGE_SIZE, LAST_PAGE = 50, 10000  # the services' page numbers stop at 10,000
BANK_NAMES_SECONDS = 300.0  # partner banks change by an administrator's rare decision
_bank_names: dict = {"at": float("-inf"), "names": {}}
PERSON_NAMES_SECONDS, PERSON_NAMES_KEPT = 600.0, 5000
_person_names: dict[str, tuple[float, str]] = {}  # username -> (when read, the name pages show)


class PageSupport(Services):
    """Mixed into GatewayService, which provides `db`, `settings` and `registry`."""

    def page_actor(self, request) -> Actor | None:
        if ACTOR_ENVIRON not in request.environ:
            request.environ[ACTOR_ENVIRON] = self._actor_from_cookie(request)
        return request.environ[ACTOR_ENVIRON]

    def _actor_from_cookie(self, request) -> Actor | None:
        token = codec_for(self.settings).session_token(request)
        if not token:
            return None
        return auth.actor_for_token(self.db, self.sessions, token)

    def require(self, request, *roles: str) -> Actor:
        """The signed-in actor (with one of `roles`), or off to the login page."""
        actor = self.page_actor(request)
        if actor is None:
            raise LoginRequired(request.full_path.rstrip("?"))
        if roles:
            require_role(actor, *roles)
        auth.require_may_act(actor, request.method, request.path)
        return actor

    def show(self, request, template: str, status: int = 200, **context):
        # a form refused on a page of several: the banner says so at the top (base.html), and
        # site.js takes the reader down to the refused field
        context.setdefault("refused", status in (403, 409, 422) and template != "error.html")
        return render(template, status, actor=self.page_actor(request),
                      csrf_token=request.environ[CSRF_ENVIRON], path=request.path,
                      notice=NOTICES.get(request.args.get("notice", "")), bank_name=self.bank_name,
                      person=self.person_name, **context)

    def person_name(self, username: str | None) -> str:
        """The name a page shows for whoever acted (records keep their username): the account's
        display name, read from the gateway's accounts and kept for a few minutes; what is not an
        account (系统（时限检查）) as it is."""
        if not username:
            return ""
        kept = _person_names.get(username)
        if kept is None or time.monotonic() - kept[0] > PERSON_NAMES_SECONDS:
            with self.db.read() as session:
                name = session.scalar(sa.select(users.c.display_name).where(users.c.username == username))
            if len(_person_names) >= PERSON_NAMES_KEPT:
                _person_names.clear()
            kept = _person_names[username] = (time.monotonic(), name or username)
        return kept[1]

    def bank_name(self, code: str | None) -> str:
        """A partner bank's name for its code (pages never show NJRCB), from finance's list, kept
        for a few minutes; the code itself while finance does not answer."""
        if not code:
            return ""
        stale = time.monotonic() - _bank_names["at"] > BANK_NAMES_SECONDS
        if stale or code not in _bank_names["names"]:
            try:
                _bank_names["names"] = {bank["code"]: bank["name"] for bank in self.finance.list_banks()}
                _bank_names["at"] = time.monotonic()
            except ServiceUnavailable:
                return code
        return _bank_names["names"].get(code, code)

    def my_documents(self, actor: Actor, record: dict | None, enterprises: list[dict]) -> dict:
        """我的档案's documents: the person's ("person") and each enterprise's (by its id)."""
        if record is None:
            return {}
        me = actor.model_dump()
        found = {"person": self.registry.get_entrepreneur(me, record["id"])["attachments"]}
        for firm in enterprises:
            found[firm["id"]] = self.registry.get_enterprise(me, firm["id"])["attachments"]
        return found


def aside(ask) -> dict:
    """What another service adds to a page, or why not: "found" (the answer), "missing" (it has not
    heard of the record yet, or does not show it to this caller) or "unavailable"; every key is
    there, so that a template may test each (the pages' undefined is strict). The page itself
    still shows."""
    try:
        return {"found": ask(), "missing": False, "unavailable": False}
    except NotFound:
        return {"found": None, "missing": True, "unavailable": False}
    except ServiceUnavailable:
        return {"found": None, "missing": False, "unavailable": True}


def filters_of(args, names: tuple[str, ...]) -> dict[str, str]:
    """The filters a list page was asked for: those of `names` given a value (empty means all)."""
    return {name: args[name].strip() for name in names if args.get(name, "").strip()}


def page_number(args) -> int:
    """The page a list was asked for (1 when absent or not a number)."""
    text = args.get("page", "")
    return min(int(text), LAST_PAGE) if text.isdigit() and int(text) > 0 else 1


def numbered_pager(request, result: dict, keep: tuple[str, ...] = ()) -> dict:
    """下一页 and 回到第一页 for a list the services page by number, keeping the list's filters
    (`keep`): the shape the `pagination` macro draws."""
    kept = {name: request.args[name] for name in keep if request.args.get(name)}
    page, per_page, total = result["page"], result["per_page"], result["total"]
    following = (f"{request.path}?{urlencode({**kept, 'page': page + 1})}"
                 if page * per_page < total and page < LAST_PAGE else None)
    first = f"{request.path}?{urlencode(kept)}" if page > 1 else None
    return {"page": page, "first": first, "next": following}
