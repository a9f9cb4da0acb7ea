"""认领登记信息 on pages: the person claims the record an official registered for them, by the code
texted to the phone on the record or at the service counter; the official confirms in person."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from services.gateway.http import status_for
from services.gateway.web import forms
from services.gateway.web.entrepreneur_pages import REFUSALS
from services.gateway.web.http import page
from services.gateway.web.render import redirect
from services.gateway.web.support import PageSupport
from shared.actors import Actor
from shared.contracts.registry import ClaimCodeRequest, ClaimDecision, ClaimSubmit
from shared.errors import Forbidden, NotFound
from shared.validation import parse

CLAIM_LABELS = {"id_number": "身份证号码", "code": "短信验证码", "note": "说明"}


class ClaimPages(PageSupport):
    # ---- the person ---------------------------------------------------------------------------

    @page("GET", "/me/claim")
    def me_claim_page(self, request):
        actor = self.require(request, "entrepreneur")
        if self.registry.get_my_entrepreneur(actor.model_dump()):
            return redirect("/me?notice=already_registered")
        return self._me_claim_form(request, actor, MultiDict(), {})

    @page("POST", "/me/claim/code")
    def me_claim_code_submit(self, request):
        actor = self.require(request, "entrepreneur")
        form = request.form
        try:
            body = parse(ClaimCodeRequest, forms.filled(form, ("id_number",))).model_dump(mode="json")
            sent = self.registry.send_claim_code(actor.model_dump(), body)
        except (*REFUSALS, Forbidden, NotFound) as exc:
            return self._me_claim_form(request, actor, form, forms.messages(exc), status=status_for(exc))
        return self._me_claim_form(request, actor, MultiDict({"id_number": body["id_number"]}), {}, sent=sent)

    @page("POST", "/me/claim")
    def me_claim_submit(self, request):
        actor = self.require(request, "entrepreneur")
        form = request.form
        in_person = form.get("in_person") == "1"
        data = {**forms.filled(form, ("id_number", "code", "note")), "in_person": in_person}
        try:
            body = parse(ClaimSubmit, data).model_dump(mode="json")
            _, status = self.registry.claim_entrepreneur(actor.model_dump(), body)
        except (*REFUSALS, Forbidden, NotFound) as exc:
            return self._me_claim_form(request, actor, form, forms.messages(exc), status=status_for(exc),
                                    sent={"phone": ""} if not in_person else None)
        return redirect("/me/claim?notice=claim_requested" if status == 202 else "/me?notice=claimed")

    def _me_claim_form(self, request, actor: Actor, values, errors: dict, status: int = 200, sent: dict | None = None):
        mine = self.registry.list_claims(actor.model_dump(), {"per_page": 20})["items"]
        return self.show(request, "claim.html", status, values=values, errors=errors, labels=CLAIM_LABELS,
                         summary=forms.summary(errors, CLAIM_LABELS), sent=sent, claims=mine)

    # ---- the official -------------------------------------------------------------------------

    @page("GET", "/records/claims")
    def record_claims_page(self, request):
        return self._record_claims(request, self.require(request, "official"))

    def _record_claims(self, request, actor: Actor, failed: dict | None = None, status: int = 200):
        show = request.args.get("status", "pending")
        query = {"status": show if show in ("pending", "approved", "rejected") else None, "per_page": 50}
        result = self.registry.list_claims(actor.model_dump(), query)
        return self.show(request, "claims.html", status, result=result, showing=query["status"],
                         failed=failed or {})

    @page("POST", "/records/claims/<string:claim_id>/approve")
    def record_claim_approve(self, request, claim_id):
        return self._decide_record_claim(request, claim_id, self.registry.approve_claim)

    @page("POST", "/records/claims/<string:claim_id>/reject")
    def record_claim_reject(self, request, claim_id):
        return self._decide_record_claim(request, claim_id, self.registry.reject_claim)

    def _decide_record_claim(self, request, claim_id: str, decide):
        actor = self.require(request, "official")
        try:
            command = parse(ClaimDecision, forms.filled(request.form, ("note",))).model_dump(mode="json")
            decide(actor.model_dump(), claim_id, command)
        except REFUSALS as exc:
            failed = {"claim_id": claim_id, "values": request.form, "errors": forms.messages(exc)}
            return self._record_claims(request, actor, failed, status_for(exc))
        return redirect(f"/records/claims?notice=claim_decided#claim-{claim_id}")
