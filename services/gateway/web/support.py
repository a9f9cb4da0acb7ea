"""What every page handler needs: who is asking (from the session cookie) and rendering for them."""

from __future__ import annotations

from services.gateway.handlers import auth
from services.gateway.rpc import Services
from services.gateway.web.http import LoginRequired
from services.gateway.web.render import NOTICES, render
from services.gateway.web.session import CSRF_ENVIRON, codec_for
from shared.actors import Actor, require_role

ACTOR_ENVIRON = "guiyan.actor"


class PageSupport(Services):
    """Mixed into GatewayService, which provides `db`, `settings` and `registry`."""

    def page_actor(self, request) -> Actor | None:
        if ACTOR_ENVIRON not in request.environ:
            request.environ[ACTOR_ENVIRON] = self._actor_from_cookie(request)
        return request.environ[ACTOR_ENVIRON]

    def _actor_from_cookie(self, request) -> Actor | None:
        token = codec_for(self.settings).session_token(request)
        if not token:
            return None
        return auth.actor_for_token(self.db, self.sessions, token)

    def require(self, request, *roles: str) -> Actor:
        """The signed-in actor (with one of `roles`), or off to the login page."""
        actor = self.page_actor(request)
        if actor is None:
            raise LoginRequired(request.full_path.rstrip("?"))
        if roles:
            require_role(actor, *roles)
        return actor

    def show(self, request, template: str, status: int = 200, **context):
        return render(template, status, actor=self.page_actor(request),
                      csrf_token=request.environ[CSRF_ENVIRON], path=request.path,
                      notice=NOTICES.get(request.args.get("notice", "")), **context)
