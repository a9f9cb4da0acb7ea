"""Documents on the pages: the upload forms on 我的档案, an official's record pages and a loan's page,
and their downloads. A refused upload shows the page it came from again, the message beside its
field and the chosen kind kept (`failed["document"]` names the form)."""

from __future__ import annotations

from services.gateway import photos
from services.gateway.http import file_response, status_for
from services.gateway.web import forms
from services.gateway.web.entrepreneur_pages import REFUSALS, EntrepreneurPages
from services.gateway.web.http import page
from services.gateway.web.loan_pages import LoanPages
from services.gateway.web.record_pages import RecordPages
from services.gateway.web.render import redirect
from shared.actors import Actor
from shared.errors import DomainError, Forbidden

UPLOAD_REFUSALS = (*REFUSALS, Forbidden)
ADDED = "?notice=document_added#documents-"


def refused_upload(key: str, request, error: DomainError) -> dict:
    return {"document": key, "values": request.form, "errors": forms.messages(error)}


class DocumentPages(EntrepreneurPages, RecordPages, LoanPages):
    """Mixed into GatewayService, which provides `registry` and `finance`; shows again the pages of
    the classes it extends."""

    @staticmethod
    def _upload(request, actor: Actor, add, *ids) -> DomainError | None:
        """Send the form's kind and file; the refusal to show beside the form, if any."""
        try:
            add(actor.model_dump(), *ids, request.form.get("kind", ""), *photos.uploaded(request))
        except UPLOAD_REFUSALS as exc:
            return exc
        return None

    def _record_upload(self, request, records: str, record_id: str, key: str, add):
        """A document on a person's or an enterprise's record, from 我的档案 or an official's page,
        which shows again when it is refused."""
        actor = self.require(request, "entrepreneur", "official")
        refused = self._upload(request, actor, add, record_id)
        if refused is None:
            here = "/me" if actor.role == "entrepreneur" else f"/records/{records}/{record_id}"
            return redirect(f"{here}{ADDED}{key}")
        return self._record_again(request, actor, records, record_id, refused_upload(key, request, refused),
                                  status_for(refused))

    def _record_again(self, request, actor: Actor, records: str, record_id: str, failed: dict, status: int):
        """The page a form on a record came from, shown again with its refusal: 我的档案 for the person,
        the record's page for an official."""
        if actor.role == "entrepreneur":
            return self._my_record(request, actor, failed, status)
        if records == "enterprises":
            return self._enterprise(request, actor, record_id, status=status, failed=failed)
        record = self.registry.get_entrepreneur(actor.model_dump(), record_id)
        return self.show(request, "entrepreneur.html", status, record=record, failed=failed,
                         related=self._related(actor, entrepreneur_id=record_id))

    @page("POST", "/entrepreneurs/<string:entrepreneur_id>/attachments")
    def entrepreneur_document_upload(self, request, entrepreneur_id):
        return self._record_upload(request, "entrepreneurs", entrepreneur_id, "person",
                                   self.registry.add_entrepreneur_attachment)

    @page("GET", "/entrepreneurs/<string:entrepreneur_id>/attachments/<string:attachment_id>")
    def entrepreneur_document_download(self, request, entrepreneur_id, attachment_id):
        actor = self.require(request, "entrepreneur", "official")
        return file_response(self.registry.get_entrepreneur_attachment(
            actor.model_dump(), entrepreneur_id, attachment_id))

    @page("POST", "/enterprises/<string:enterprise_id>/attachments")
    def enterprise_document_upload(self, request, enterprise_id):
        return self._record_upload(request, "enterprises", enterprise_id, enterprise_id,
                                   self.registry.add_enterprise_attachment)

    @page("GET", "/enterprises/<string:enterprise_id>/attachments/<string:attachment_id>")
    def enterprise_document_download(self, request, enterprise_id, attachment_id):
        actor = self.require(request, "entrepreneur", "official")
        return file_response(self.registry.get_enterprise_attachment(
            actor.model_dump(), enterprise_id, attachment_id))

    # ---- a loan ---------------------------------------------------------------------------------

    @page("POST", "/loans/<string:loan_id>/attachments")
    def loan_document_upload(self, request, loan_id):
        actor = self.require(request, "entrepreneur", "bank_liaison")
        refused = self._upload(request, actor, self.finance.add_loan_attachment, loan_id)
        if refused is None:
            return redirect(f"/loans/{loan_id}{ADDED}loan")
        return self._loan(request, actor, loan_id, refused_upload("loan", request, refused), status_for(refused))

    @page("GET", "/loans/<string:loan_id>/attachments/<string:attachment_id>")
    def loan_document_download(self, request, loan_id, attachment_id):
        actor = self.require(request, "entrepreneur", "bank_liaison", "official")
        return file_response(self.finance.get_loan_attachment(actor.model_dump(), loan_id, attachment_id))
