"""The web pages of the gateway (server-rendered, Simplified Chinese) and their static files."""

from __future__ import annotations

from services.gateway.web.account_pages import AccountPages
from services.gateway.web.admin_pages import AdminPages
from services.gateway.web.claim_pages import ClaimPages
from services.gateway.web.correction_pages import CorrectionPages
from services.gateway.web.difficulty_pages import DifficultyPages
from services.gateway.web.document_pages import DocumentPages
from services.gateway.web.entrepreneur_pages import EntrepreneurPages
from services.gateway.web.fund_pages import FundPages
from services.gateway.web.http import page
from services.gateway.web.import_pages import ImportPages
from services.gateway.web.insight_pages import InsightPages
from services.gateway.web.loan_pages import LoanPages
from services.gateway.web.notification_pages import NotificationPages
from services.gateway.web.payee_pages import PayeePages
from services.gateway.web.project_pages import ProjectPages
from services.gateway.web.quarter_pages import QuarterPages
from services.gateway.web.record_pages import RecordPages
from services.gateway.web.render import static_response
from services.gateway.web.subsidy_pages import SubsidyPages
from shared.errors import NotFound


class PageRoutes(PayeePages, DocumentPages, AccountPages, NotificationPages, EntrepreneurPages, ClaimPages, ImportPages, CorrectionPages, RecordPages, LoanPages, SubsidyPages, FundPages,
                 DifficultyPages, ProjectPages, AdminPages, InsightPages, QuarterPages):
    """Mixed into GatewayService, which provides `db`, `settings`, `registry` and `finance`."""

    @page("GET", "/static/<path:name>")
    def static_file(self, request, name):
        return static_response(request, name)

    @page("GET", "/<path:rest>")
    def page_not_found(self, request, rest):
        # werkzeug would answer an unknown address with an English page; ours is Chinese
        raise NotFound("page_not_found", None, "您访问的页面不存在。请检查网址，或从首页重新进入。")
