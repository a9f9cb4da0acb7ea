"""Payee accounts on the pages: the form 收款账户 on 我的档案 (the person's own and each enterprise's) and
on an official's record pages. A refused form shows the page it came from again, each message beside
its field and the values kept (`failed["payee"]` names the form)."""

from __future__ import annotations

from services.gateway.http import status_for
from services.gateway.web import forms
from services.gateway.web.document_pages import DocumentPages
from services.gateway.web.entrepreneur_pages import REFUSALS
from services.gateway.web.http import page
from services.gateway.web.render import redirect
from shared.contracts.registry import EnterprisePayeeAccountUpdate, EntrepreneurPayeeAccountUpdate
from shared.errors import Forbidden
from shared.validation import parse

PAYEE_FIELDS = ("kind", "bank_code", "account_number", "holder_name", "reason")


def payee_body(form) -> dict:
    """The form's account: blank fields left out (a required one then says 此项必填), the version seen."""
    body = forms.filled(form, PAYEE_FIELDS)
    if form.get("expected_version", "").isdigit():
        body["expected_version"] = int(form["expected_version"])
    return body


class PayeePages(DocumentPages):
    """Mixed into GatewayService through PageRoutes; shows again the pages of the classes it extends."""

    @page("POST", "/entrepreneurs/<string:entrepreneur_id>/payee-account")
    def entrepreneur_payee_submit(self, request, entrepreneur_id):
        return self._payee_submit(request, "entrepreneurs", entrepreneur_id, "person", EntrepreneurPayeeAccountUpdate,
                                  self.registry.set_entrepreneur_payee_account)

    @page("POST", "/enterprises/<string:enterprise_id>/payee-account")
    def enterprise_payee_submit(self, request, enterprise_id):
        return self._payee_submit(request, "enterprises", enterprise_id, enterprise_id, EnterprisePayeeAccountUpdate,
                                  self.registry.set_enterprise_payee_account)

    def _payee_submit(self, request, records: str, record_id: str, key: str, model, set_account):
        actor = self.require(request, "entrepreneur", "official")
        try:
            set_account(actor.model_dump(), record_id, parse(model, payee_body(request.form)).model_dump(mode="json"))
        except (*REFUSALS, Forbidden) as exc:
            failed = {"payee": key, "values": request.form, "errors": forms.messages(exc)}
            return self._record_again(request, actor, records, record_id, failed, status_for(exc))
        here = "/me" if actor.role == "entrepreneur" else f"/records/{records}/{record_id}"
        return redirect(f"{here}?notice=payee_account#payee-{key}")
