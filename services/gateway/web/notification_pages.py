"""消息 on pages: what each person has been told, marked read one by one or all at once, and where
their text messages go."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from services.gateway.http import status_for
from services.gateway.web import forms
from services.gateway.web.http import page
from services.gateway.web.render import redirect
from services.gateway.web.support import PageSupport
from shared.actors import Actor
from shared.contracts.notifications import KIND_NAMES, DeliverySettings
from shared.errors import Forbidden, InvalidInput
from shared.validation import parse

SETTINGS_LABELS = {"phone": "工作手机号", "sms": "短信提醒"}


class NotificationPages(PageSupport):
    @page("GET", "/notifications")
    def notifications_page(self, request):
        return self._notifications(request, self.require(request, "entrepreneur", "official", "bank_liaison"))

    def _notifications(self, request, actor: Actor, values=None, errors: dict | None = None, status: int = 200):
        unread = request.args.get("unread") == "1"
        query = {"per_page": 30, "unread": unread or None}
        if request.args.get("after"):
            query["after"] = request.args["after"]
        listed = self.notifications.list_notifications(actor.model_dump(), query)
        settings = self.notifications.delivery_settings(actor.model_dump())
        values = values if values is not None else MultiDict({"phone": settings["phone"] or ""})
        return self.show(request, "notifications.html", status, listed=listed, unread_only=unread,
                         settings=settings, values=values, errors=errors or {}, labels=SETTINGS_LABELS,
                         summary=forms.summary(errors or {}, SETTINGS_LABELS), kind_names=KIND_NAMES)

    @page("POST", "/notifications/read")
    def notifications_read_submit(self, request):
        actor = self.require(request, "entrepreneur", "official", "bank_liaison")
        form = request.form
        ids = [value for value in form.getlist("id") if value][:200]
        body = {"all": True} if form.get("all") == "1" else {"ids": ids}
        self.notifications.mark_read(actor.model_dump(), body)
        target = form.get("open", "")
        # opening a message marks it read and goes where it points (one of this site's own pages)
        if target.startswith("/") and not target.startswith(("//", "/\\")):
            return redirect(target)
        return redirect("/notifications" + ("?unread=1" if form.get("unread") == "1" else ""))

    @page("POST", "/notifications/settings")
    def notifications_settings_submit(self, request):
        actor = self.require(request, "entrepreneur", "official", "bank_liaison")
        form = request.form
        data = {"sms": form.get("sms") == "1", "phone": (form.get("phone") or "").strip() or None}
        try:
            body = parse(DeliverySettings, data).model_dump(mode="json")
            self.notifications.update_delivery_settings(actor.model_dump(), body)
        except (InvalidInput, Forbidden) as exc:
            return self._notifications(request, actor, form, forms.messages(exc), status_for(exc))
        return redirect("/notifications?notice=settings_saved")
