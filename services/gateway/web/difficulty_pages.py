"""困难问题 pages: the enterprise reports and follows its difficulties; officials work their level's queue."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from services.gateway import photos
from services.gateway.http import file_response, status_for
from services.gateway.web import forms
from services.gateway.web.entrepreneur_pages import REFUSALS, new_key, submitted_key
from services.gateway.web.http import page
from services.gateway.web.render import redirect
from services.gateway.web.support import (
    LIST_PAGE_SIZE,
    PageSupport,
    aside,
    filters_of,
    numbered_pager,
    page_number,
)
from shared.contracts.escalation import CATEGORY_NAMES, LEVEL_NAMES, URGENCY_NAMES, DifficultyCreate
from shared.contracts.escalation import STATUS_NAMES as DIFFICULTY_STATUS_NAMES
from shared.errors import Forbidden, NotFound
from shared.validation import parse

DIFFICULTY_LABELS = {"enterprise_id": "经营主体", "category": "问题类别", "urgency": "紧急程度",
                     "description": "问题描述", "note": "说明", "reason": "理由", "resolution": "答复内容"}
DIFFICULTY_FILTERS = ("q", "status", "category", "level")
ACTION_FIELDS = {"contact": ("note",), "escalate": ("reason",), "resolve": ("resolution",),
                 "accept": ("note",), "reject": ("reason",), "sign_off": ("note",)}


class DifficultyPages(PageSupport):
    """Mixed into GatewayService, which provides `escalation` and `registry`."""

    @page("GET", "/difficulties")
    def difficulties_page(self, request):
        actor = self.require(request, "entrepreneur", "official")
        me = actor.model_dump()
        everything = actor.role != "official" or request.args.get("all") == "1"
        chosen = filters_of(request.args, DIFFICULTY_FILTERS) if actor.is_official else {}
        result = self.escalation.list_difficulties(me, {"per_page": LIST_PAGE_SIZE, "queue": not everything,
                                                        "page": page_number(request.args), **chosen})
        counts = self.escalation.difficulty_stats(me)["rows"] if actor.is_official else []
        selects = [("status", "状态", list(DIFFICULTY_STATUS_NAMES.items())),
                   ("category", "类别", list(CATEGORY_NAMES.items()))]
        if everything:
            selects.append(("level", "办理层级", [(lv, f"{name}级") for lv, name in LEVEL_NAMES.items()]))
        return self.show(request, "difficulties.html", result=result, everything=everything, chosen=chosen,
                         selects=selects, keep={"all": "1"} if everything and actor.is_official else {},
                         table=count_table(counts), pager=numbered_pager(request, result, ("all", *DIFFICULTY_FILTERS)))

    @page("GET", "/status")
    def public_status_page(self, request):
        """Anyone with a reference number sees how far it has got; nothing personal is shown."""
        reference = request.args.get("reference", "").strip().upper()[:20]
        found, missing = None, False
        if reference:
            try:
                found = self.escalation.public_difficulty(reference)
            except NotFound:
                missing = True
        return self.show(request, "status.html", 404 if missing else 200, reference=reference, found=found,
                         missing=missing)

    @page("GET", "/difficulties/new")
    def difficulty_new_page(self, request):
        actor = self.require(request, "entrepreneur")
        return self._form(request, actor, MultiDict({"urgency": "normal"}), {}, new_key())

    @page("POST", "/difficulties/new")
    def difficulty_new_submit(self, request):
        actor = self.require(request, "entrepreneur")
        form = request.form
        try:
            body = parse(DifficultyCreate, forms.filled(form, ("enterprise_id", "category", "urgency",
                                                               "description")))
            record = self.escalation.report_difficulty(actor.model_dump(), body.model_dump(), submitted_key(form))
        except REFUSALS as exc:
            return self._form(request, actor, form, forms.messages(exc), submitted_key(form), status_for(exc))
        return redirect(f"/difficulties/{record['id']}?notice=difficulty_reported")

    def _form(self, request, actor, values, errors: dict, key, status: int = 200):
        me = actor.model_dump()
        record = self.registry.get_my_entrepreneur(me)
        enterprises = self.registry.list_enterprises(me, {"per_page": 100})["items"] if record else []
        if len(enterprises) == 1 and not values.get("enterprise_id"):  # the usual case: one business
            values = MultiDict({**values.to_dict(), "enterprise_id": enterprises[0]["id"]})
        return self.show(request, "difficulty_new.html", status, values=values, errors=errors,
                         labels=DIFFICULTY_LABELS, summary=forms.summary(errors, DIFFICULTY_LABELS),
                         idempotency_key=key or new_key(), enterprises=[(e["id"], e["name"]) for e in enterprises],
                         categories=list(CATEGORY_NAMES.items()), urgencies=list(URGENCY_NAMES.items()))

    @page("GET", "/difficulties/<string:difficulty_id>")
    def difficulty_page(self, request, difficulty_id):
        actor = self.require(request, "entrepreneur", "official")
        return self._difficulty(request, actor, difficulty_id)

    def _difficulty(self, request, actor, difficulty_id, failed: dict | None = None, status: int = 200):
        record = self.escalation.get_difficulty(actor.model_dump(), difficulty_id)
        handler = actor.is_official and actor.level == record["level"]
        # whom to call: the owner's phone only the registry holds, and shows to the enterprise's officials
        contact = aside(lambda: self.registry.get_enterprise_contact(actor.model_dump(), record["enterprise_id"])) \
            if actor.is_official else None
        return self.show(request, "difficulty.html", status, record=record, failed=failed or {},
                         handler=handler, labels=DIFFICULTY_LABELS, LEVEL_NAMES=LEVEL_NAMES, contact=contact)

    @page("POST", "/difficulties/<string:difficulty_id>/attachments")
    def attachment_upload(self, request, difficulty_id):
        actor = self.require(request, "entrepreneur")
        try:
            self.escalation.add_attachment(actor.model_dump(), difficulty_id, *photos.uploaded(request))
        except (*REFUSALS, Forbidden) as exc:
            failed = {"action": "attach", "values": MultiDict(), "errors": forms.messages(exc)}
            return self._difficulty(request, actor, difficulty_id, failed, status_for(exc))
        return redirect(f"/difficulties/{difficulty_id}?notice=difficulty_attached#attachments")

    @page("GET", "/difficulties/<string:difficulty_id>/attachments/<string:attachment_id>")
    def attachment_download(self, request, difficulty_id, attachment_id):
        actor = self.require(request, "entrepreneur", "official")
        return file_response(self.escalation.get_attachment(actor.model_dump(), difficulty_id, attachment_id))

    @page("POST", "/difficulties/<string:difficulty_id>/<string:action>")
    def difficulty_action(self, request, difficulty_id, action):
        actor = self.require(request, "entrepreneur", "official")
        action = action.replace("-", "_")
        if action not in ACTION_FIELDS:
            raise Forbidden("unknown_action", None, "不支持的操作")
        form = request.form
        body = forms.filled(form, ACTION_FIELDS[action])
        version = form.get("expected_version", "")
        if version.isdigit() and action not in ("accept", "reject"):
            body["expected_version"] = int(version)
        try:
            self.escalation.act_on_difficulty(actor.model_dump(), difficulty_id, action, body)
        except (*REFUSALS, Forbidden) as exc:
            failed = {"action": action, "values": form, "errors": forms.messages(exc)}
            return self._difficulty(request, actor, difficulty_id, failed, status_for(exc))
        return redirect(f"/difficulties/{difficulty_id}?notice=difficulty_{action}")


def count_table(rows: list[dict]) -> dict:
    """Open and closed counts by category (rows) and level (columns), for the officials' overview."""
    table: dict = {}
    for row in rows:
        cell = table.setdefault(row["category_name"], {}).setdefault(row["level"], {"open": 0, "closed": 0})
        cell["closed" if row["status"] == "closed" else "open"] += row["count"]
    return table
