"""The entrepreneur's own pages: 创业者登记, 经营主体登记, 我的档案 and the quarterly headcount form."""

from __future__ import annotations

import uuid

from werkzeug.datastructures import MultiDict

from services.gateway.handlers.auth import MOBILE
from services.gateway.http import status_for
from services.gateway.web import forms, picker
from services.gateway.web.http import page
from services.gateway.web.render import quarter_name, redirect
from services.gateway.web.support import PageSupport
from shared import clock
from shared.actors import Actor
from shared.contracts.registry import EnterpriseCreate, EntrepreneurCreate, HeadcountReport
from shared.errors import Conflict, Forbidden, InvalidInput, InvalidState
from shared.validation import parse

ENTERPRISE_FIELDS = tuple(forms.ENTERPRISE_LABELS)
HEADCOUNT_FIELDS = tuple(forms.HEADCOUNT_LABELS)
REFUSALS = (InvalidInput, Conflict, InvalidState)  # shown on the form; anything else gets a page


def new_key() -> str:
    """An idempotency key made when a form is shown: submitting it twice registers once."""
    return uuid.uuid4().hex


def submitted_key(form) -> str | None:
    return form.get("idempotency_key") or None


def prefill(actor: Actor) -> MultiDict:
    """What the account already says: its name, and its username when that is the mobile number."""
    values = {"name": actor.display_name}
    if MOBILE.match(actor.username):
        values["phone"] = actor.username
    return MultiDict(values)


class EntrepreneurPages(PageSupport):
    @page("GET", "/register")
    def register_page(self, request):
        actor = self.require(request, "entrepreneur")
        if self.registry.get_my_entrepreneur(actor.model_dump()):
            return redirect("/me?notice=already_registered")
        return self._register_form(request, actor, prefill(actor), {}, new_key())

    @page("POST", "/register")
    def register_submit(self, request):
        actor = self.require(request, "entrepreneur")
        return self._register(request, actor, lambda record: "/me?notice=registered")

    # an official registers a returnee who came to the service counter without a phone
    @page("GET", "/records/entrepreneurs/new")
    def register_for_page(self, request):
        actor = self.require(request, "official")
        return self._register_form(request, actor, MultiDict(), {}, new_key())

    @page("POST", "/records/entrepreneurs/new")
    def register_for_submit(self, request):
        actor = self.require(request, "official")
        return self._register(
            request, actor, lambda record: f"/records/entrepreneurs/{record['id']}?notice=registered_for")

    def _register(self, request, actor: Actor, done):
        form, choosing = picker.picked(request.form, picker.person_scopes(actor))
        if choosing is not None:
            return self._register_form(request, actor, form, choosing, submitted_key(form),
                                       picker.status_of(choosing))
        data, positions = forms.entrepreneur_data(form)
        try:
            body = parse(EntrepreneurCreate, data).model_dump(mode="json")
            record = self.registry.create_entrepreneur(actor.model_dump(), body, submitted_key(form))
        except (*REFUSALS, Forbidden) as exc:
            errors = forms.messages(exc, positions)
            if exc.code == "id_number_registered" and actor.role == "entrepreneur":
                errors["id_number"] += "。如是工作人员在窗口为您代为登记的，请认领登记信息"
            return self._register_form(request, actor, form, errors, submitted_key(form), status_for(exc))
        return redirect(done(record))

    def _register_form(self, request, actor: Actor, values, errors: dict, key: str | None,
                       status: int = 200):
        labels = forms.ENTREPRENEUR_LABELS
        return self.show(request, "register.html", status, values=values, errors=errors,
                         labels=labels, summary=forms.summary(errors, labels),
                         idempotency_key=key or new_key(),
                         pickers=picker.pickers(values, picker.person_scopes(actor)),
                         on_behalf=actor.is_official, action=request.path,
                         certificate_rows=forms.row_numbers(values, "certificates"),
                         today=clock.today().isoformat())

    # ---- enterprises -------------------------------------------------------------------------

    @page("GET", "/register/enterprise")
    def enterprise_register_page(self, request):
        actor = self.require(request, "entrepreneur")
        owner = self.registry.get_my_entrepreneur(actor.model_dump())
        values = MultiDict({"region_code": owner["region_code"]} if owner else {})
        return self._enterprise_form(request, actor, values, {}, new_key(), owner)

    @page("POST", "/register/enterprise")
    def enterprise_register_submit(self, request):
        actor = self.require(request, "entrepreneur")
        form, choosing = picker.picked(request.form, picker.place_scopes(actor))
        if choosing is not None:
            owner = self.registry.get_my_entrepreneur(actor.model_dump())
            return self._enterprise_form(request, actor, form, choosing, submitted_key(form), owner,
                                         picker.status_of(choosing))
        try:
            body = parse(EnterpriseCreate, forms.filled(form, ENTERPRISE_FIELDS)).model_dump(mode="json")
            record = self.registry.create_enterprise(actor.model_dump(), body, submitted_key(form))
        except REFUSALS as exc:
            owner = self.registry.get_my_entrepreneur(actor.model_dump())
            return self._enterprise_form(request, actor, form, forms.messages(exc), submitted_key(form),
                                         owner, status_for(exc))
        return redirect(f"/me?notice=enterprise_registered#enterprise-{record['id']}")

    def _enterprise_form(self, request, actor: Actor, values, errors: dict, key: str | None, owner,
                         status: int = 200):
        labels = forms.ENTERPRISE_LABELS
        return self.show(request, "register_enterprise.html", status, values=values,
                         errors=errors, labels=labels, summary=forms.summary(errors, labels),
                         idempotency_key=key or new_key(),
                         pickers=picker.pickers(values, picker.place_scopes(actor)),
                         owner=owner, today=clock.today().isoformat())

    # ---- 我的档案 ------------------------------------------------------------------------------

    @page("GET", "/me")
    def my_record_page(self, request):
        return self._my_record(request, self.require(request, "entrepreneur"))

    def _my_record(self, request, actor: Actor, failed: dict | None = None, status: int = 200):
        me = actor.model_dump()
        record = self.registry.get_my_entrepreneur(me)
        enterprises = self.registry.list_enterprises(me, {"per_page": 100})["items"] if record else []
        quarters = [(q, quarter_name(q)) for q in forms.recent_quarters(clock.today())]
        return self.show(request, "me.html", status, record=record, enterprises=enterprises,
                         quarters=quarters, failed=failed or {}, labels=forms.HEADCOUNT_LABELS,
                         new_key=new_key, my_documents=self.my_documents(actor, record, enterprises))

    @page("POST", "/enterprises/<string:enterprise_id>/headcount")
    def headcount_submit(self, request, enterprise_id):
        actor = self.require(request, "entrepreneur")
        form = request.form
        try:
            body = parse(HeadcountReport, forms.filled(form, HEADCOUNT_FIELDS)).model_dump(mode="json")
            record = self.registry.report_headcount(actor.model_dump(), enterprise_id, body,
                                                    submitted_key(form))
        except REFUSALS as exc:
            failed = {"enterprise_id": enterprise_id, "values": form, "errors": forms.messages(exc),
                      "key": submitted_key(form)}
            return self._my_record(request, actor, failed, status_for(exc))
        return redirect(f"/me?notice=headcount#enterprise-{record['id']}")
