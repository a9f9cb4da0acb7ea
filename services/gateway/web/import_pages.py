"""台账导入 on pages: an official uploads the office's roll, reads the check's report (every bad cell
with its line and column, downloadable), starts the import and watches it go."""

from __future__ import annotations

from services.gateway import imports
from services.gateway.http import download_response, status_for, uploaded_file
from services.gateway.web import forms
from services.gateway.web.entrepreneur_pages import REFUSALS
from services.gateway.web.http import page
from services.gateway.web.render import redirect
from services.gateway.web.support import PageSupport
from shared.errors import Forbidden

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ERRORS_SHOWN = 200  # on the page; the download holds them all


class ImportPages(PageSupport):
    @page("GET", "/records/imports")
    def imports_page(self, request):
        return self._imports(request, {})

    def _imports(self, request, errors: dict, status: int = 200):
        actor = self.require(request, "official")
        listed = self.registry.list_imports(actor.model_dump())["items"]
        return self.show(request, "imports.html", status, imports=listed, errors=errors)

    @page("POST", "/records/imports")
    def import_upload(self, request):
        actor = self.require(request, "official")
        try:
            file_name, data = uploaded_file(request)
            report = imports.upload(self.registry, actor, file_name, data, dry_run=True)
        except (*REFUSALS, Forbidden) as exc:
            return self._imports(request, forms.messages(exc), status_for(exc))
        return redirect(f"/records/imports/{report['id']}")

    @page("GET", "/records/imports/template.xlsx")
    def import_template(self, request):
        self.require(request, "official")
        return download_response(imports.template_xlsx(), "返乡创业人员台账模板.xlsx", XLSX)

    @page("GET", "/records/imports/<string:import_id>")
    def import_page(self, request, import_id):
        actor = self.require(request, "official")
        report = self.registry.get_import(actor.model_dump(), import_id)
        return self.show(request, "import.html", report=report, shown=report["errors"][:ERRORS_SHOWN])

    @page("GET", "/records/imports/<string:import_id>/errors.csv")
    def import_errors(self, request, import_id):
        actor = self.require(request, "official")
        report = self.registry.get_import(actor.model_dump(), import_id)
        return download_response(imports.errors_csv(report), f"导入错误清单-{report['file_name']}.csv",
                                 "text/csv; charset=utf-8")

    @page("POST", "/records/imports/<string:import_id>/start")
    def import_start(self, request, import_id):
        actor = self.require(request, "official")
        self.registry.start_import(actor.model_dump(), import_id)
        return redirect(f"/records/imports/{import_id}")
