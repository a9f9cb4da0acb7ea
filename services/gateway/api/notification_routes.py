"""The JSON API of a person's messages (消息) and where their text messages go (calls `notifications`)."""

from __future__ import annotations

from services.gateway.api.calls import ApiCalls, body, query
from services.gateway.http import api, json_response
from shared.contracts.notifications import DeliverySettings, MarkRead, NotificationQuery

MESSAGES = "消息通知"


class NotificationApiRoutes(ApiCalls):
    """Mixed into GatewayService, which provides `notifications` and `api_actor`."""

    @api("GET", "/api/v1/notifications", "本人的消息（最新在前），含未读数；可只列未读或某类", MESSAGES,
         query=NotificationQuery)
    def api_list_notifications(self, request):
        return json_response(self.notifications.list_notifications(self.caller(request),
                                                                   query(request, NotificationQuery)))

    @api("POST", "/api/v1/notifications/read", "标为已读：列出的消息，或全部（all）", MESSAGES, body=MarkRead)
    def api_mark_notifications_read(self, request):
        return json_response(self.notifications.mark_read(self.caller(request), body(request, MarkRead)))

    @api("GET", "/api/v1/notifications/settings", "短信提醒设置", MESSAGES)
    def api_delivery_settings(self, request):
        return json_response(self.notifications.delivery_settings(self.caller(request)))

    @api("PUT", "/api/v1/notifications/settings", "修改短信提醒设置（工作人员、银行联络员填写工作手机号）", MESSAGES,
         body=DeliverySettings)
    def api_update_delivery_settings(self, request):
        return json_response(self.notifications.update_delivery_settings(self.caller(request),
                                                                         body(request, DeliverySettings)))

    @api("POST", "/api/v1/notifications/reminders", "立即发送到期的时限提醒和超期预警（本市市级或管理员；平时每小时自动）",
         MESSAGES)
    def api_run_reminders(self, request):
        return json_response(self.notifications.run_reminders(self.caller(request)))
