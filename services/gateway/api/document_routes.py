"""The JSON API of documents on the records and loans: a person's ID card and certificates, an
enterprise's licence and contracts (`registry`), a loan's contracts (`finance`). Each is a multipart
upload of the fields `kind` and `file`; a download goes to exactly those who may see the record."""

from __future__ import annotations

from services.gateway import photos
from services.gateway.api.calls import ApiCalls
from services.gateway.http import api, file_response, json_response

ENTREPRENEURS, ENTERPRISES, LOANS = "创业者", "经营主体", "创业担保贷款"
LIMITS = "PDF 2MB以内；PNG、JPEG 照片15MB以内，超过2MB的缩小后保存"
RECORD_ATTACHMENT = "<string:attachment_id>"


def kind(request) -> str:
    return request.form.get("kind", "")


class DocumentApiRoutes(ApiCalls):
    """Mixed into GatewayService, which provides `registry` and `finance`."""

    @api("POST", "/api/v1/entrepreneurs/<string:entrepreneur_id>/attachments",
         f"本人或所在地工作人员上传身份证、证书等材料（multipart 字段 kind、file；{LIMITS}）", ENTREPRENEURS, status=201)
    def api_add_entrepreneur_attachment(self, request, entrepreneur_id):
        actor = self.caller(request)
        return json_response(self.registry.add_entrepreneur_attachment(
            actor, entrepreneur_id, kind(request), *photos.uploaded(request)), 201)

    @api("GET", f"/api/v1/entrepreneurs/<string:entrepreneur_id>/attachments/{RECORD_ATTACHMENT}",
         "下载创业者的材料", ENTREPRENEURS)
    def api_get_entrepreneur_attachment(self, request, entrepreneur_id, attachment_id):
        return file_response(self.registry.get_entrepreneur_attachment(
            self.caller(request), entrepreneur_id, attachment_id))

    @api("POST", "/api/v1/enterprises/<string:enterprise_id>/attachments",
         f"经营主体负责人或所在地工作人员上传营业执照、合同等材料（multipart 字段 kind、file；{LIMITS}）",
         ENTERPRISES, status=201)
    def api_add_enterprise_attachment(self, request, enterprise_id):
        actor = self.caller(request)
        return json_response(self.registry.add_enterprise_attachment(
            actor, enterprise_id, kind(request), *photos.uploaded(request)), 201)

    @api("GET", f"/api/v1/enterprises/<string:enterprise_id>/attachments/{RECORD_ATTACHMENT}",
         "下载经营主体的材料", ENTERPRISES)
    def api_get_enterprise_attachment(self, request, enterprise_id, attachment_id):
        return file_response(self.registry.get_enterprise_attachment(
            self.caller(request), enterprise_id, attachment_id))

    @api("POST", "/api/v1/loans/<string:loan_id>/attachments",
         f"贷款银行联络员在审批后上传借款合同等，申请人在银行审核前上传补充材料（multipart 字段 kind、file；{LIMITS}）",
         LOANS, status=201)
    def api_add_loan_attachment(self, request, loan_id):
        actor = self.caller(request)
        return json_response(self.finance.add_loan_attachment(
            actor, loan_id, kind(request), *photos.uploaded(request)), 201)

    @api("GET", f"/api/v1/loans/<string:loan_id>/attachments/{RECORD_ATTACHMENT}", "下载贷款的材料", LOANS)
    def api_get_loan_attachment(self, request, loan_id, attachment_id):
        return file_response(self.finance.get_loan_attachment(self.caller(request), loan_id, attachment_id))
