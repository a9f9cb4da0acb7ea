"""The JSON API of the quarterly difficulty consultation (calls `consultation` by RPC)."""

from __future__ import annotations

from services.consultation.schemas import QuarterOpen, RosterChange
from services.gateway.api.finance_routes import body
from services.gateway.http import api, json_response

QUARTERS = "季度困难会商会"
Q = "<string:quarter>"


class ConsultationApiRoutes:
    """Mixed into GatewayService, which provides `consultation` and `api_actor`."""

    def _consultation(self, request, method: str, *args, **kwargs):
        actor = self.api_actor(request).model_dump()
        return getattr(self.consultation, method)(actor, *(a() if callable(a) else a for a in args), **kwargs)

    @api("POST", "/api/v1/quarters", "开启季度会商并按规则生成名单（市级工作人员；到季度截止日也会自动开启）",
         QUARTERS, body=QuarterOpen, status=201)
    def api_open_quarter(self, request):
        return json_response(self._consultation(request, "open_quarter", body(request, QuarterOpen)), 201)

    @api("GET", f"/api/v1/quarters/{Q}", "季度会商与本辖区的名单", QUARTERS)
    def api_get_quarter(self, request, quarter):
        return json_response(self._consultation(request, "get_quarter", quarter))

    @api("GET", f"/api/v1/quarters/{Q}/roster", "本辖区的会商名单及列入依据", QUARTERS)
    def api_get_roster(self, request, quarter):
        return json_response(self._consultation(request, "get_quarter", quarter)["roster"])

    @api("POST", f"/api/v1/quarters/{Q}/roster", "增列经营主体（须写明理由）", QUARTERS, body=RosterChange)
    def api_add_to_roster(self, request, quarter):
        return json_response(self._consultation(request, "change_roster", quarter, body(request, RosterChange),
                                                add=True))

    @api("POST", f"/api/v1/quarters/{Q}/roster/remove", "移出名单（须写明理由）", QUARTERS, body=RosterChange)
    def api_remove_from_roster(self, request, quarter):
        return json_response(self._consultation(request, "change_roster", quarter, body(request, RosterChange),
                                                add=False))
