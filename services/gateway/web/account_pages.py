"""Pages for accounts: the home page, logging in and out, an entrepreneur opening an account."""

from __future__ import annotations

from werkzeug.datastructures import MultiDict

from services.gateway import todo
from services.gateway.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from services.gateway.handlers import accounts, auth, throttle
from services.gateway.http import TooManyAttempts, error_headers, status_for
from services.gateway.web import forms
from services.gateway.web.http import page
from services.gateway.web.render import redirect
from services.gateway.web.session import codec_for, safe_next
from services.gateway.web.support import PageSupport, aside
from shared.actors import Actor
from shared.errors import Conflict, InvalidInput
from shared.validation import parse

SIGNUP_FIELDS = ("phone", "display_name", "password")


class AccountPages(PageSupport):
    @page("GET", "/")
    def home_page(self, request):
        actor = self.page_actor(request)
        if actor is None:
            return self.show(request, "home.html", todo=None, unread=0)
        waiting = todo.gather(self, actor)
        told = aside(lambda: self.notifications.unread_count(actor.model_dump()))  # a message service away hides the line
        return self.show(request, "home.html", todo=waiting, unread=(told["found"] or {}).get("unread", 0),
                         **self._landing(actor, waiting))

    def _landing(self, actor: Actor, waiting: dict) -> dict:
        if actor.role == "entrepreneur":
            return {"record": self.registry.get_my_entrepreneur(actor.model_dump())}
        if actor.is_official:
            return {"counts": self._official_counts(actor, waiting)}
        return {}

    def _official_counts(self, actor: Actor, waiting: dict) -> dict:
        """The tiles' figures: "1000+" where the registry stopped counting. What waits for
        verification is the to-do list's own count, asked again only if the registry did not
        answer it there."""
        def shown(count: int, capped: bool) -> str:
            return f"{count}+" if capped else str(count)

        def total(listing, **query) -> str:
            answer = listing(actor.model_dump(), {"per_page": 1, **query})
            return shown(answer["total"], answer["total_capped"])

        counted = {item["kind"]: shown(item["count"], item["count_capped"]) for item in waiting["items"]}
        people, firms = self.registry.list_entrepreneurs, self.registry.list_enterprises
        return {"entrepreneurs": total(people),
                "entrepreneurs_pending": counted.get("entrepreneurs_to_verify") or total(people, status="registered"),
                "enterprises": total(firms),
                "enterprises_pending": counted.get("enterprises_to_verify") or total(firms, status="registered")}

    # ---- logging in and out ------------------------------------------------------------------

    @page("GET", "/login")
    def login_page(self, request):
        values = MultiDict({"next": safe_next(request.args.get("next"))})
        return self._login_form(request, values, {})

    @page("POST", "/login")
    def login_submit(self, request):
        form = request.form
        try:
            token = self._open_session(parse(auth.Login, forms.filled(form, ("username", "password"))),
                                       throttle.client_address(request, self.settings))
        except (InvalidInput, TooManyAttempts) as exc:
            refused = self._login_form(request, form, forms.messages(exc), status_for(exc))
            refused.headers.extend(error_headers(exc))
            return refused
        return self._signed_in(redirect(safe_next(form.get("next"))), token)

    def _login_form(self, request, values, errors: dict, status: int = 200):
        demo = [(a.username, a.role, a.display_name) for a in DEMO_ACCOUNTS] if self.settings.demo_mode else []
        return self.show(request, "login.html", status, values=values, errors=errors,
                         labels=forms.LOGIN_LABELS, summary=[], demo_accounts=demo,
                         demo_password=DEMO_PASSWORD)

    def _open_session(self, data: auth.Login, address: str) -> str:
        _, token, _ = accounts.sign_in(self.db, self.sessions, data, address, throttle.policies(self.settings),
                                       kind="page", hours=self.settings.session_hours)
        return token

    def _signed_in(self, response, token: str):
        codec_for(self.settings).set_session(response, token)
        return response

    @page("POST", "/logout")
    def logout_submit(self, request):
        codec = codec_for(self.settings)
        token = codec.session_token(request)
        if token:
            accounts.sign_out(self.db, self.sessions, token)
        response = redirect("/?notice=logged_out")
        codec.clear_session(response)
        return response

    # ---- an entrepreneur opens an account ----------------------------------------------------

    @page("GET", "/signup")
    def signup_page(self, request):
        return self._signup_form(request, MultiDict(), {})

    @page("POST", "/signup")
    def signup_submit(self, request):
        form = request.form
        try:
            token = self._sign_up(form)
        except (InvalidInput, Conflict) as exc:
            return self._signup_form(request, form, signup_messages(exc), status_for(exc))
        return self._signed_in(redirect("/register?notice=signed_up"), token)

    def _signup_form(self, request, values, errors: dict, status: int = 200):
        return self.show(request, "signup.html", status, values=values, errors=errors,
                         labels=forms.SIGNUP_LABELS,
                         summary=forms.summary(errors, forms.SIGNUP_LABELS))

    def _sign_up(self, form) -> str:
        """Every mistake of the form at once: the fields' rules, the repeated password and a number
        that already has an account, together (each used to appear only once the others were put
        right, one try at a time)."""
        problems: list[dict] = []
        try:
            data = parse(auth.SignUp, forms.filled(form, SIGNUP_FIELDS))
        except InvalidInput as exc:
            problems = exc.details if isinstance(exc.details, list) else [exc.as_dict()]
            data = None
        if form.get("password", "") != form.get("password_confirm", ""):
            problems.append({"code": "password_mismatch", "field": "password_confirm", "message": "两次输入的密码不一致"})
        if problems and not any(p.get("field") == "phone" for p in problems) and self._phone_taken(form.get("phone", "")):
            problems.append({"code": "username_taken", "field": "phone", "message": "该手机号码已开通账号，请直接登录"})
        if problems:
            first = problems[0]
            raise InvalidInput(first["code"], first.get("field"), first["message"], problems)
        assert data is not None
        _, token = accounts.sign_up(self.db, data, session_kind="page", hours=self.settings.session_hours)
        assert token is not None  # a session was asked for
        return token

    def _phone_taken(self, phone: str) -> bool:
        if not phone.strip():
            return False
        with self.db.read() as session:
            return auth.username_taken(session, phone.strip())


def signup_messages(error: InvalidInput | Conflict) -> dict[str, str]:
    if isinstance(error, Conflict) and error.code == "username_taken":  # the username is the mobile number
        return {"phone": "该手机号码已开通账号，请直接登录"}
    return forms.messages(error)
