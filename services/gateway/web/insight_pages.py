"""看板 and 经营历程 pages: officials' figures by quarter (drawn with ECharts) and an enterprise's timeline."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from services.gateway.web.http import page
from services.gateway.web.render import local_time, quarter_name
from services.gateway.web.support import PageSupport
from shared.contracts.escalation import CATEGORY_NAMES, LEVELS
from shared.money import wan

KIND_NAMES = {"registry": "登记", "finance": "贷款与补贴", "escalation": "困难诉求", "projects": "项目",
              "consultation": "会商"}
WEEKDAYS = "一二三四五六日"


class InsightPages(PageSupport):
    """Mixed into GatewayService, which provides `consultation`."""

    @page("GET", "/dashboard")
    def dashboard_page(self, request):
        actor = self.require(request, "official")
        board = self.consultation.dashboard(actor.model_dump())
        return self.show(request, "dashboard.html", **dashboard_context(board))

    @page("GET", "/enterprises/<string:enterprise_id>/timeline")
    def timeline_page(self, request, enterprise_id):
        actor = self.require(request, "entrepreneur", "official")
        story = self.consultation.timeline(actor.model_dump(), enterprise_id)
        asked = request.args.get("kind", "")
        chosen = asked if asked in KIND_NAMES else ""
        return self.show(request, "timeline.html", enterprise=story["enterprise"], chosen=chosen,
                         filters=kind_filters(story["events"]), days=timeline_days(story["events"], chosen))


# ---- the dashboard --------------------------------------------------------------------------

def per_quarter(rows: list[dict], quarters: list[str], empty: dict) -> list[dict]:
    """One row for each quarter shown, in order, with the quarter's Chinese name."""
    found = {row["quarter"]: row for row in rows}
    return [{**empty, **found.get(q, {}), "quarter": q, "name": quarter_name(q)} for q in quarters]


def money_rows(rows: list[dict], quarters: list[str]) -> list[dict]:
    return [{**row, "wan": wan(row["amount_fen"])}
            for row in per_quarter(rows, quarters, {"count": 0, "amount_fen": 0})]


def money_total(rows: list[dict]) -> dict:
    return {"count": sum(r["count"] for r in rows), "wan": wan(sum(r["amount_fen"] for r in rows))}


def difficulty_matrix(rows: list[dict]) -> dict:
    """Open difficulties by category (rows, most first) and level (columns, in the order they escalate)."""
    cells: Counter = Counter()
    for row in rows:
        cells[(row["category"], row["level"])] += row["count"]
    levels = sorted({(r["level"], r["level_name"]) for r in rows}, key=lambda lv: (_rank(LEVELS, lv[0]), lv[0]))
    table = [{"category": code, "name": name, "counts": [cells[(code, lv)] for lv, _ in levels]}
             for code, name in {r["category"]: r["category_name"] for r in rows}.items()]
    for row in table:
        row["total"] = sum(row["counts"])
    table.sort(key=lambda row: (-row["total"], _rank(list(CATEGORY_NAMES), row["category"])))
    return {"levels": [{"level": lv, "name": name} for lv, name in levels], "rows": table,
            "total": sum(row["total"] for row in table)}


def _rank(order, code: str) -> int:
    return order.index(code) if code in order else len(order)


def latest_rate(rows: list[dict]) -> dict | None:
    """The most recent quarter that had consultation items to resolve."""
    return next((row for row in reversed(rows) if row["rate"] is not None), None)


def chart_data(quarters: list[str], loans, subsidies, matrix: dict, rates) -> dict:
    """What dashboard.js draws: plain JSON, amounts as decimal strings so nothing is rounded twice."""
    def money(rows):
        return {"count": [r["count"] for r in rows], "wan": [str(r["wan"]) for r in rows]}

    return {"quarters": quarters, "loans": money(loans), "subsidies": money(subsidies),
            "difficulties": {"levels": [lv["name"] for lv in matrix["levels"]],
                             "categories": [row["name"] for row in matrix["rows"]],
                             "counts": [row["counts"] for row in matrix["rows"]]},
            "resolution": {"rate": [r["rate"] for r in rates], "total": [r["total"] for r in rates],
                           "closed": [r["closed"] for r in rates]}}


def dashboard_context(board: dict) -> dict:
    quarters = board["quarters"]
    loans, subsidies = money_rows(board["loans"], quarters), money_rows(board["subsidies"], quarters)
    rates = per_quarter(board["resolution_rate"], quarters, {"total": 0, "closed": 0, "rate": None})
    matrix = difficulty_matrix(board["difficulties"])
    return {"board": board, "period": [quarter_name(quarters[0]), quarter_name(quarters[-1])] if quarters else [],
            "loans": loans, "subsidies": subsidies, "rates": rates, "matrix": matrix,
            "loan_total": money_total(loans), "subsidy_total": money_total(subsidies),
            "latest": latest_rate(rates), "chart": chart_data(quarters, loans, subsidies, matrix, rates)}


# ---- the timeline ---------------------------------------------------------------------------

def day_label(date: str) -> str:
    day = dt.date.fromisoformat(date)
    return f"{day.year}年{day.month}月{day.day}日 星期{WEEKDAYS[day.weekday()]}"


def timeline_days(events: list[dict], kind: str) -> list[dict]:
    """The events of one kind (every kind when empty), grouped by day in the order given."""
    days: dict[str, list[dict]] = {}
    for event in events:
        if not kind or event["kind"] == kind:
            days.setdefault(event["date"], []).append(
                {**event, "time": local_time(event["at"])[11:], "tag": kind_tag(event["kind"]),
                 "kind_name": KIND_NAMES.get(event["kind"], event["kind"])})
    return [{"date": date, "label": day_label(date), "events": items} for date, items in days.items()]


def kind_tag(kind: str) -> str:
    """The tag's colour class: one per known kind, a grey one for any kind added later."""
    return kind if kind in KIND_NAMES else "other"


def kind_filters(events: list[dict]) -> list[dict]:
    """全部 and each kind, with how many events it has; each a plain link (?kind=), no script needed."""
    counts = Counter(event["kind"] for event in events)
    return [{"kind": "", "name": "全部", "count": len(events)},
            *({"kind": kind, "name": name, "count": counts[kind]} for kind, name in KIND_NAMES.items())]
