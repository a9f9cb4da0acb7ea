"""Officials' pages: their region's entrepreneurs and enterprises, 核实, and 一企一专班 liaisons."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from services.gateway.http import status_for
from services.gateway.web import forms
from services.gateway.web.http import page
from services.gateway.web.render import redirect
from services.gateway.web.support import PageSupport
from shared import paging
from shared.actors import Actor
from shared.contracts import Body, Caller
from shared.contracts.registry import STATUS_NAMES, LiaisonsAssign
from shared.errors import Conflict, InvalidInput, ServiceUnavailable
from shared.validation import parse

PER_PAGE = 20
RELATED_SHOWN = 20  # of each kind on a record's page, the newest
MAX_PAGE = 10000


def list_query(args) -> dict:
    """The registry's ListQuery from the address bar; anything odd falls back to the default.

    `after` is the cursor of the page before; `page` only numbers the page for the reader.
    """
    number, status = args.get("page", "1"), args.get("status")
    after = cursor_or_none(args.get("after", ""))
    return {"q": args.get("q", "").strip()[:60],
            "status": status if status in STATUS_NAMES else None,
            "page": min(int(number), MAX_PAGE) if after and number.isdigit() and int(number) > 0 else 1,
            "per_page": PER_PAGE, "after": after}


def cursor_or_none(text: str) -> str | None:
    try:
        paging.decode_cursor(text)
    except InvalidInput:
        return None
    return text


def pager(path: str, query: dict, result: dict) -> dict:
    """下一页 by the answer's cursor and 回到第一页, both keeping the search and the filter."""
    kept = {key: query[key] for key in ("q", "status") if query[key]}
    following = (f"{path}?{urlencode({**kept, 'after': result['next'], 'page': min(query['page'] + 1, MAX_PAGE)})}"
                 if result["next"] else None)
    first = f"{path}?{urlencode(kept)}" if query["after"] else None
    return {"page": query["page"], "first": first, "next": following}


def verify_command(form) -> dict:
    """The version the official saw: if someone changed the record since, the registry says so."""
    version = form.get("expected_version", "")
    return {"expected_version": int(version)} if version.isdigit() else {}


class RecordPages(PageSupport):
    def _verify(self, request, kind: str, record_id: str):
        actor = self.require(request, "official")
        verify = self.registry.verify_entrepreneur if kind == "entrepreneurs" else self.registry.verify_enterprise
        record = verify(actor.model_dump(), record_id, verify_command(request.form))
        return redirect(f"/records/{kind}/{record['id']}?notice=verified")

    def _list(self, request, listing: Callable[[Caller, Body], dict], template: str):
        actor = self.require(request, "official")
        query = list_query(request.args)
        result = listing(actor.model_dump(), query)
        return self.show(request, template, query=query, result=result,
                         pager=pager(request.path, query, result))

    # ---- entrepreneurs -----------------------------------------------------------------------

    @page("GET", "/records/entrepreneurs")
    def entrepreneurs_page(self, request):
        return self._list(request, self.registry.list_entrepreneurs, "entrepreneurs.html")

    @page("GET", "/records/entrepreneurs/<string:entrepreneur_id>")
    def entrepreneur_page(self, request, entrepreneur_id):
        actor = self.require(request, "official")
        record = self.registry.get_entrepreneur(actor.model_dump(), entrepreneur_id)
        return self.show(request, "entrepreneur.html", record=record,
                         related=self._related(actor, entrepreneur_id=entrepreneur_id))

    def _related(self, actor: Actor, *, entrepreneur_id: str | None = None,
                 enterprise_id: str | None = None) -> dict:
        """The records that go with this one, each kind from its own service, as far as the caller
        may see them (each list is scoped as usual); a service that does not answer leaves its
        kind out (None) and the page says so."""
        me, few = actor.model_dump(), RELATED_SHOWN
        asks = {"enterprises": lambda: self.registry.list_enterprises(
                    me, {"owner_entrepreneur_id": entrepreneur_id, "per_page": few}) if entrepreneur_id else None,
                "loans": lambda: self.finance.list_loans(me, {"per_page": few, **(
                    {"enterprise_id": enterprise_id} if enterprise_id else {"entrepreneur_id": entrepreneur_id})}),
                "claims": lambda: self.finance.list_claims(
                    me, {"entrepreneur_id": entrepreneur_id, "per_page": few}) if entrepreneur_id else None,
                "difficulties": lambda: self.escalation.list_difficulties(
                    me, {"enterprise_id": enterprise_id, "per_page": few}) if enterprise_id else None}
        found: dict = {}
        for kind, ask in asks.items():
            try:
                found[kind] = ask()
            except ServiceUnavailable:
                found[kind] = {"unavailable": True, "items": [], "total": 0}
        return {kind: answer for kind, answer in found.items() if answer is not None}

    @page("POST", "/records/entrepreneurs/<string:entrepreneur_id>/verify")
    def entrepreneur_verify(self, request, entrepreneur_id):
        return self._verify(request, "entrepreneurs", entrepreneur_id)

    # ---- enterprises -------------------------------------------------------------------------

    @page("GET", "/records/enterprises")
    def enterprises_page(self, request):
        return self._list(request, self.registry.list_enterprises, "enterprises.html")

    @page("GET", "/records/enterprises/<string:enterprise_id>")
    def enterprise_page(self, request, enterprise_id):
        actor = self.require(request, "official")
        return self._enterprise(request, actor, enterprise_id)

    def _enterprise(self, request, actor: Actor, enterprise_id: str, values=None,
                    errors: dict | None = None, status: int = 200, **extra):
        record = self.registry.get_enterprise(actor.model_dump(), enterprise_id)
        errors = errors or {}
        return self.show(request, "enterprise.html", status, record=record,
                         related=self._related(actor, enterprise_id=enterprise_id),
                         values=values or forms.liaison_values(record["liaisons"]), errors=errors,
                         labels=forms.LIAISON_LABELS,
                         summary=forms.summary(errors, forms.LIAISON_LABELS), **extra)

    @page("POST", "/records/enterprises/<string:enterprise_id>/verify")
    def enterprise_verify(self, request, enterprise_id):
        return self._verify(request, "enterprises", enterprise_id)

    @page("POST", "/records/enterprises/<string:enterprise_id>/liaisons")
    def liaisons_submit(self, request, enterprise_id):
        actor = self.require(request, "official")
        data, positions = forms.liaisons_data(request.form)
        try:
            body = parse(LiaisonsAssign, data).model_dump(mode="json")
            record = self.registry.assign_liaisons(actor.model_dump(), enterprise_id, body)
        except (InvalidInput, Conflict) as exc:
            return self._enterprise(request, actor, enterprise_id, request.form,
                                    forms.messages(exc, positions), status_for(exc))
        return redirect(f"/records/enterprises/{record['id']}?notice=liaisons#liaisons")
