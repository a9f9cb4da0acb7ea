"""Corrections both ways on pages: an official returns a record with a reason (退回修改) or corrects it
(更正); its owner edits it and resubmits it from 我的档案. The forms are the registration's own,
filled with the record as it stands."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from services.gateway.http import status_for
from services.gateway.web import forms, picker
from services.gateway.web.entrepreneur_pages import ENTERPRISE_FIELDS, REFUSALS
from services.gateway.web.http import page
from services.gateway.web.record_pages import RecordPages
from services.gateway.web.render import redirect
from shared import clock
from shared.actors import Actor
from shared.contracts.registry import EnterpriseCreate, EntrepreneurCreate, ReturnCommand
from shared.errors import Forbidden
from shared.validation import parse


def entrepreneur_values(record: dict) -> MultiDict:
    """The registration form filled with the record."""
    values = MultiDict({name: record.get(name) or "" for name in forms.ENTREPRENEUR_FIELDS})
    values["skills"] = "、".join(record["skills"])
    for n, certificate in enumerate(record["certificates"]):
        for key in forms.CERTIFICATE_KEYS:
            values[f"certificates.{n}.{key}"] = certificate.get(key) or ""
    for category in record["categories"]:
        values.add("categories", category)
    return values


def enterprise_values(record: dict) -> MultiDict:
    values = MultiDict({name: record.get(name) if record.get(name) is not None else "" for name in ENTERPRISE_FIELDS})
    values["credit_code_override_reason"] = record.get("credit_code_override_reason") or ""
    return values


def edit_extras(form) -> dict:
    """What an edit form adds to the registration's fields: the version seen and the reason."""
    extras: dict = {}
    if form.get("expected_version", "").isdigit():
        extras["expected_version"] = int(form["expected_version"])
    if form.get("reason", "").strip():
        extras["reason"] = form["reason"].strip()
    return extras


class CorrectionPages(RecordPages):
    # ---- the person's record ------------------------------------------------------------------

    @page("GET", "/me/edit")
    def my_record_edit_page(self, request):
        actor = self.require(request, "entrepreneur")
        record = self.registry.get_my_entrepreneur(actor.model_dump())
        if record is None:
            return redirect("/register")
        record = self.registry.get_entrepreneur(actor.model_dump(), record["id"])
        return self._person_edit_form(request, actor, record, entrepreneur_values(record), {})

    @page("POST", "/me/edit")
    def my_record_edit_submit(self, request):
        actor = self.require(request, "entrepreneur")
        record = self.registry.get_my_entrepreneur(actor.model_dump())
        if record is None:
            return redirect("/register")
        return self._save_person(request, actor, record["id"], "/me?notice=record_saved")

    @page("GET", "/records/entrepreneurs/<string:entrepreneur_id>/edit")
    def entrepreneur_edit_page(self, request, entrepreneur_id):
        actor = self.require(request, "official")
        record = self.registry.get_entrepreneur(actor.model_dump(), entrepreneur_id)
        return self._person_edit_form(request, actor, record, entrepreneur_values(record), {})

    @page("POST", "/records/entrepreneurs/<string:entrepreneur_id>/edit")
    def entrepreneur_edit_submit(self, request, entrepreneur_id):
        actor = self.require(request, "official")
        return self._save_person(request, actor, entrepreneur_id,
                                 f"/records/entrepreneurs/{entrepreneur_id}?notice=record_saved#history")

    def _save_person(self, request, actor: Actor, entrepreneur_id: str, done: str):
        form, choosing = picker.picked(request.form, picker.person_scopes(actor))
        if choosing is not None:
            record = self.registry.get_entrepreneur(actor.model_dump(), entrepreneur_id)
            return self._person_edit_form(request, actor, record, form, choosing, picker.status_of(choosing))
        data, positions = forms.entrepreneur_data(form)
        try:
            body = parse(EntrepreneurCreate, data).model_dump(mode="json")
            self.registry.update_entrepreneur(actor.model_dump(), entrepreneur_id, {**body, **edit_extras(form)})
        except (*REFUSALS, Forbidden) as exc:
            record = self.registry.get_entrepreneur(actor.model_dump(), entrepreneur_id)
            return self._person_edit_form(request, actor, record, form, forms.messages(exc, positions), status_for(exc))
        return redirect(done)

    def _person_edit_form(self, request, actor: Actor, record: dict, values, errors: dict, status: int = 200):
        labels = {**forms.ENTREPRENEUR_LABELS, "reason": "更正原因" if actor.is_official else "修改说明"}
        return self.show(request, "register.html", status, values=values, errors=errors, labels=labels,
                         summary=forms.summary(errors, labels), idempotency_key="", editing=record,
                         pickers=picker.pickers(values, picker.person_scopes(actor)),
                         on_behalf=actor.is_official, action=request.path,
                         certificate_rows=forms.row_numbers(values, "certificates"), today=clock.today().isoformat())

    # ---- enterprises --------------------------------------------------------------------------

    @page("GET", "/enterprises/<string:enterprise_id>/edit")
    def my_enterprise_edit_page(self, request, enterprise_id):
        actor = self.require(request, "entrepreneur")
        record = self.registry.get_enterprise(actor.model_dump(), enterprise_id)
        return self._enterprise_edit_form(request, actor, record, enterprise_values(record), {})

    @page("POST", "/enterprises/<string:enterprise_id>/edit")
    def my_enterprise_edit_submit(self, request, enterprise_id):
        actor = self.require(request, "entrepreneur")
        return self._save_enterprise(request, actor, enterprise_id,
                                     f"/me?notice=record_saved#enterprise-{enterprise_id}")

    @page("GET", "/records/enterprises/<string:enterprise_id>/edit")
    def enterprise_edit_page(self, request, enterprise_id):
        actor = self.require(request, "official")
        record = self.registry.get_enterprise(actor.model_dump(), enterprise_id)
        return self._enterprise_edit_form(request, actor, record, enterprise_values(record), {})

    @page("POST", "/records/enterprises/<string:enterprise_id>/edit")
    def enterprise_edit_submit(self, request, enterprise_id):
        actor = self.require(request, "official")
        return self._save_enterprise(request, actor, enterprise_id,
                                     f"/records/enterprises/{enterprise_id}?notice=record_saved#history")

    def _save_enterprise(self, request, actor: Actor, enterprise_id: str, done: str):
        form, choosing = picker.picked(request.form, picker.place_scopes(actor))
        if choosing is not None:
            record = self.registry.get_enterprise(actor.model_dump(), enterprise_id)
            return self._enterprise_edit_form(request, actor, record, form, choosing, picker.status_of(choosing))
        fields = (*ENTERPRISE_FIELDS, "credit_code_override_reason") if actor.is_official else ENTERPRISE_FIELDS
        try:
            body = parse(EnterpriseCreate, forms.filled(form, fields)).model_dump(mode="json", exclude_unset=True)
            self.registry.update_enterprise(actor.model_dump(), enterprise_id, {**body, **edit_extras(form)})
        except (*REFUSALS, Forbidden) as exc:
            record = self.registry.get_enterprise(actor.model_dump(), enterprise_id)
            return self._enterprise_edit_form(request, actor, record, form, forms.messages(exc), status_for(exc))
        return redirect(done)

    def _enterprise_edit_form(self, request, actor: Actor, record: dict, values, errors: dict, status: int = 200):
        labels = {**forms.ENTERPRISE_LABELS, "credit_code_override_reason": "校验位不符的原因",
                  "reason": "更正原因" if actor.is_official else "修改说明"}
        return self.show(request, "register_enterprise.html", status, values=values, errors=errors, labels=labels,
                         summary=forms.summary(errors, labels), idempotency_key="", editing=record,
                         owner={"name": record["owner_name"]}, pickers=picker.pickers(values, picker.place_scopes(actor)),
                         action=request.path, on_behalf=actor.is_official, today=clock.today().isoformat())

    # ---- 退回修改 -------------------------------------------------------------------------------

    @page("POST", "/records/entrepreneurs/<string:entrepreneur_id>/return")
    def entrepreneur_return(self, request, entrepreneur_id):
        return self._return(request, "entrepreneurs", entrepreneur_id)

    @page("POST", "/records/enterprises/<string:enterprise_id>/return")
    def enterprise_return(self, request, enterprise_id):
        return self._return(request, "enterprises", enterprise_id)

    def _return(self, request, kind: str, record_id: str):
        actor = self.require(request, "official")
        send_back = self.registry.return_entrepreneur if kind == "entrepreneurs" else self.registry.return_enterprise
        try:
            command = parse(ReturnCommand, edit_extras(request.form)).model_dump(mode="json")
            send_back(actor.model_dump(), record_id, command)
        except REFUSALS as exc:
            return self._refused_return(request, actor, kind, record_id, exc)
        return redirect(f"/records/{kind}/{record_id}?notice=returned#history")

    def _refused_return(self, request, actor: Actor, kind: str, record_id: str, exc):
        """The record's page again, the reason kept and its message beside it."""
        errors = forms.messages(exc)
        errors = {"reason": errors.get("reason") or next(iter(errors.values()))}
        failed = {"values": request.form, "errors": errors}
        if kind == "entrepreneurs":
            record = self.registry.get_entrepreneur(actor.model_dump(), record_id)
            return self.show(request, "entrepreneur.html", status_for(exc), record=record, return_failed=failed,
                             related=self._related(actor, entrepreneur_id=record_id))
        return self._enterprise(request, actor, record_id, status=status_for(exc), return_failed=failed)
