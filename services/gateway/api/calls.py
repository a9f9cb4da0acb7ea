"""How an API route calls a service: as the authenticated caller, with the validated body."""

from __future__ import annotations

from services.gateway.handlers import auth
from services.gateway.http import Unauthenticated, read_json
from services.gateway.rpc import Services
from shared.actors import Actor
from shared.contracts import Body, Caller
from shared.validation import parse


def bearer_token(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if not header:
        raise Unauthenticated("token_missing", "Authorization", "请先登录（缺少 Authorization: Bearer 令牌）")
    if scheme.lower() != "bearer" or not token or len(token) > 200 or " " in token.strip():
        raise Unauthenticated("token_malformed", "Authorization", "令牌格式错误，应为 Authorization: Bearer <令牌>")
    return token.strip()


def body(request, model) -> Body:
    """The validated JSON body. Arguments are evaluated left to right, so in
    `self.finance.approve_loan(self.caller(request), loan_id, body(request, LoanApprove))` the caller
    is authenticated before the body is read."""
    return parse(model, read_json(request)).model_dump(mode="json")


def optional(request, model) -> Body:
    """A body that may be left out: an empty one is the model's defaults."""
    data = read_json(request) if request.get_data(cache=True) else {}
    return parse(model, data).model_dump(mode="json")


def query(request, model) -> Body:
    return parse(model, dict(request.args.items())).model_dump(mode="json")


def idempotency_key(request) -> str | None:
    return request.headers.get("Idempotency-Key") or None


class ApiCalls(Services):
    """Mixed into GatewayService: who calls, from their bearer token."""

    def api_actor(self, request) -> Actor:
        token = bearer_token(request)
        actor = auth.actor_for_token(self.db, self.sessions, token)
        if actor is None:
            raise Unauthenticated("token_invalid", "Authorization", "令牌无效或已过期，请重新登录")
        auth.require_may_act(actor, request.method, request.path)
        return actor

    def caller(self, request) -> Caller:
        """The authenticated caller, as every service command and query takes it first."""
        return self.api_actor(request).model_dump()
