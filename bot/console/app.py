"""Routes of the staff console. Every page but /login and /static needs a session; every POST a CSRF token.

Security headers on every response: a strict Content-Security-Policy (only our own files, no
inline script), no framing, no referrer, no caching of pages that carry data.
"""
from __future__ import annotations

import hmac
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional
from urllib.parse import urlencode

import jinja2
from sanic import Sanic, response
from sanic.request import Request

from bot.analytics import database, filters as filters_module, queries, report, settings
from bot.analytics.refresh import Refresher
from bot.analytics.transcripts import TAGS, Transcripts
from bot.console import charts
from bot.console.accounts import Accounts, LoginResult
from bot.reports import audit as audit_module
from bot.reports import settings as report_settings
from bot.reports.errors import ReportNotFound, ReportsError
from bot.reports.staff import StaffAccess
from bot.reports.store import ReportStore

HERE = Path(__file__).resolve().parent
COOKIE = "senales_console"
PRE_COOKIE = "senales_login_csrf"
REFRESH_EVERY_SECONDS = 60
LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


@dataclass
class ConsoleConfig:
    tracker_url: str
    analytics_url: str
    threshold: int
    retention_days: int
    secure_cookie: bool = False
    reports_db: Optional[Path] = None
    reports_key_file: Optional[str] = None
    audit_log: Optional[Path] = None

    @classmethod
    def from_env(cls) -> "ConsoleConfig":
        import os

        return cls(
            tracker_url=settings.events_url(), analytics_url=settings.analytics_url(), threshold=settings.min_count(),
            retention_days=settings.retention_days(), secure_cookie=os.environ.get("SENALES_CONSOLE_SECURE_COOKIE") == "1",
            reports_db=report_settings.db_location(), audit_log=report_settings.audit_log_path(),
        )


def create_app(config: ConsoleConfig, name: str = "senales_console") -> Sanic:
    app = Sanic(name)
    app.config.FALLBACK_ERROR_FORMAT = "html"
    tracker = database.engine(config.tracker_url)
    analytics = database.engine(config.analytics_url)
    database.create_events_table(tracker)  # harmless when Rasa made it; lets the console start first
    accounts = Accounts(analytics)
    transcripts = Transcripts(tracker, analytics, config.retention_days)
    refresher = Refresher(tracker, analytics)
    last_refresh = {"at": 0.0}
    templates = template_environment()
    app.static("/static", str(HERE / "static"))

    def render(template: str, request: Request, http_status: int = 200, **context):
        context.setdefault("user", getattr(request.ctx, "user", None))
        context.setdefault("csrf", getattr(request.ctx, "csrf", ""))
        context.setdefault("active", "")
        context["threshold"] = config.threshold
        context["marker"] = f"<{config.threshold}"
        return response.html(templates.get_template(template).render(**context), status=http_status)

    def refresh_if_stale() -> None:
        """Pages read aggregates; fold new events first, at most once a minute."""
        if time.time() - last_refresh["at"] >= REFRESH_EVERY_SECONDS:
            refresher.run()
            last_refresh["at"] = time.time()

    def staff_access(request: Request):
        store = ReportStore(config.reports_db, key_file=config.reports_key_file)
        audit_log = audit_module.AuditLog(store.conn, config.audit_log or report_settings.audit_log_path())
        return store, StaffAccess(store, audit_log, f"console:{request.ctx.user}")

    @app.middleware("request")
    async def authenticate(request: Request):
        request.ctx.user, request.ctx.csrf = None, ""
        if request.path.startswith("/static/") or request.path in ("/login", "/health", "/favicon.ico"):
            return None
        session = accounts.session(request.cookies.get(COOKIE))
        if session is None:
            return response.redirect("/login?" + urlencode({"next": request.path}) if request.path != "/" else "/login")
        request.ctx.user, request.ctx.csrf = session.username, session.csrf
        if request.method == "POST" and not hmac.compare_digest(str(request.form.get("csrf", "")), session.csrf):
            return render("error.html", request, 403, title="Form expired", message="This form was not sent from the console page (or it expired). Go back, reload and try again.")
        return None

    @app.middleware("response")
    async def security_headers(request: Request, resp):
        resp.headers["Content-Security-Policy"] = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        resp.headers["X-Frame-Options"] = "DENY"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "no-referrer"
        if not request.path.startswith("/static/"):
            resp.headers["Cache-Control"] = "no-store"

    @app.get("/favicon.ico")
    async def favicon(request: Request):
        return await response.file(str(HERE / "static" / "favicon.svg"), mime_type="image/svg+xml")

    @app.get("/health")
    async def health(request: Request):
        return response.text("ok")

    # -- login -----------------------------------------------------------------------------------
    @app.get("/login")
    async def login_page(request: Request):
        import secrets

        # Reuse a token already set: a second GET (another tab) must not void the first form.
        token = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
        resp = render("login.html", request, login_csrf=token, error="", next=_safe_next(request.args.get("next")))
        _set_cookie(resp, PRE_COOKIE, token, config.secure_cookie, max_age=1800)
        return resp

    @app.post("/login")
    async def login_submit(request: Request):
        import secrets

        sent, expected = str(request.form.get("csrf", "")), request.cookies.get(PRE_COOKIE, "")
        token = secrets.token_urlsafe(24)
        next_path = _safe_next(request.form.get("next"))
        if not expected or not hmac.compare_digest(sent, expected):
            resp = render("login.html", request, 403, login_csrf=token, error="The login form expired. Please try again.", next=next_path)
            _set_cookie(resp, PRE_COOKIE, token, config.secure_cookie, max_age=1800)
            return resp
        result, session_token = accounts.login(request.form.get("username", ""), request.form.get("password", ""))
        if result != LoginResult.OK:
            message = ("Too many wrong passwords: this account is locked for 15 minutes." if result == LoginResult.LOCKED
                       else "Wrong user name or password.")
            resp = render("login.html", request, 401, login_csrf=token, error=message, next=next_path)
            _set_cookie(resp, PRE_COOKIE, token, config.secure_cookie, max_age=1800)
            return resp
        resp = response.redirect(next_path)
        _set_cookie(resp, COOKIE, session_token, config.secure_cookie)
        del resp.cookies[PRE_COOKIE]
        return resp

    @app.post("/logout")
    async def logout(request: Request):
        accounts.logout(request.cookies.get(COOKIE))
        resp = response.redirect("/login")
        del resp.cookies[COOKIE]
        return resp

    # -- aggregates ------------------------------------------------------------------------------
    def overview_for(request: Request):
        params = {k: request.args.get(k) for k in ("from", "to", "channel", "language", "demo")}
        try:
            chosen = filters_module.whole_weeks(params)
        except filters_module.FilterError as error:
            return None, error
        refresh_if_stale()
        with analytics.connect() as conn:
            return (report.build(conn, chosen, config.threshold), queries.channels_seen(conn)), None

    def filter_error(request: Request, error, active: str):
        return render("error.html", request, 400, title="Check the filters", message=str(error), active=active, back=request.path)

    @app.get("/")
    async def overview(request: Request):
        built, error = overview_for(request)
        if error:
            return filter_error(request, error, "overview")
        data, channels = built
        return render("overview.html", request, active="overview", **overview_context(data, channels))

    @app.get("/offers")
    async def offers(request: Request):
        built, error = overview_for(request)
        if error:
            return filter_error(request, error, "offers")
        data, channels = built
        m = data.matrices["apps_over_time"]
        trend = [(app, [(column, m.cell(app, column)[1]) for column in m.columns]) for app in m.rows]
        page_charts = {
            "risk": charts.hbar(data.series["offer_risk"].rows(), "Risk levels", charts.PALETTE[3]),
            "flags": charts.hbar(data.series["offer_flags"].rows(), "Top flags", charts.PALETTE[1]),
            "apps_offer": charts.hbar(data.series["app_offer"].rows(), "Apps named in offers", charts.PALETTE[0]),
            "apps_report": charts.hbar(data.series["app_report"].rows(), "Apps named in reports", charts.PALETTE[2]),
            "trend": charts.lines(trend, "Apps over time"),
        }
        return render("offers.html", request, active="offers", o=data, charts=page_charts, channels=channels,
                      f=data.filters, query=urlencode(data.filters.as_query()), m=m)

    @app.get("/export.csv")
    async def export_csv(request: Request):
        built, error = overview_for(request)
        if error:
            return filter_error(request, error, "overview")
        data, _ = built
        name = f"senales-aggregates-{data.filters.start_day}-to-{data.filters.end_day}.csv"
        return response.text(data.to_csv(), content_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})

    # -- report queue ----------------------------------------------------------------------------
    @app.get("/reports")
    async def reports_list(request: Request):
        status = request.args.get("status") or None
        if status not in (None, "open", "closed"):
            return render("error.html", request, 400, title="Unknown status", message="Status must be open or closed.", active="reports", back="/reports")
        try:
            store, staff = staff_access(request)
        except ReportsError as error:
            return render("error.html", request, 503, title="Reports unavailable", message=str(error), active="reports", back="/")
        with store:
            items = staff.list(status)
        return render("reports.html", request, active="reports", reports=list(reversed(items)), status=status or "")

    @app.get("/reports/<code>")
    async def report_show(request: Request, code: str):
        try:
            store, staff = staff_access(request)
            with store:
                item = staff.show(code)
        except ReportNotFound:
            return render("error.html", request, 404, title="No such report", message="No report has that case code.", active="reports", back="/reports")
        return render("report.html", request, active="reports", r=item, p=item.payload)

    @app.post("/reports/<code>/note")
    async def report_note(request: Request, code: str):
        return _report_change(request, code, close=request.form.get("close") == "1")

    def _report_change(request: Request, code: str, close: bool):
        note = (request.form.get("note") or "").strip()[:2000]
        try:
            store, staff = staff_access(request)
            with store:
                if close:
                    staff.close(code, note or None)
                elif note:
                    staff.note(code, note)
        except ReportNotFound:
            return render("error.html", request, 404, title="No such report", message="No report has that case code.", active="reports", back="/reports")
        return response.redirect(f"/reports/{code}")

    # -- transcripts -----------------------------------------------------------------------------
    @app.get("/conversations")
    async def conversations_list(request: Request):
        include_demo = request.args.get("demo") == "1"
        items = transcripts.recent(include_demo=include_demo)
        return render("conversations.html", request, active="conversations", items=items, retention=config.retention_days,
                      include_demo=include_demo)

    @app.get("/conversations/<key>")
    async def conversation_show(request: Request, key: str):
        lines = transcripts.lines(key) if _is_key(key) else None
        if lines is None:
            return render("error.html", request, 404, title="Not available", active="conversations", back="/conversations",
                          message=f"No conversation with that key in the last {config.retention_days} days (older ones are never shown).")
        store, staff = staff_access(request)
        with store:
            staff.audit.record(staff.who, "transcript", detail=f"conversation {key}")
        return render("conversation.html", request, active="conversations", key=key, lines=lines, tags=transcripts.tags_of(key), all_tags=TAGS)

    @app.post("/conversations/<key>/tags")
    async def conversation_tags(request: Request, key: str):
        if not _is_key(key) or transcripts.sender_for(key) is None:
            return render("error.html", request, 404, title="Not available", message="No such conversation.", active="conversations", back="/conversations")
        transcripts.set_tags(key, request.form.getlist("tag") or [], request.ctx.user)
        return response.redirect(f"/conversations/{key}")

    return app


def overview_context(data: report.Overview, channels) -> dict:
    """What overview.html needs: the suppressed overview and its charts as SVG strings."""
    s = data.series
    page_charts = {
        "volume": charts.columns(s["conversations_over_time"].rows(), "Conversations over time"),
        "topics": charts.hbar(s["topics"].rows(), "Topics", charts.PALETTE[4]),
        "languages": charts.hbar([(LANGUAGE_NAMES.get(label, label), text, value) for label, text, value in s["languages"].rows()],
                                 "Languages", charts.PALETTE[1]),
        "channels": charts.hbar(s["channels"].rows(), "Channels", charts.PALETTE[2]),
        "escalations": charts.hbar(s["escalations"].rows(), "Escalations", charts.PALETTE[3]),
        "mid_form": charts.hbar(s["ended_mid_form"].rows(), "Ended mid-form", charts.PALETTE[6]),
    }
    return {"o": data, "charts": page_charts, "channels": channels, "f": data.filters, "query": urlencode(data.filters.as_query())}


def template_environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True)


def _is_key(key: str) -> bool:
    return len(key) == 32 and all(c in "0123456789abcdef" for c in key)


def _safe_next(value: Optional[str]) -> str:
    """Only a local path: never redirect a fresh login to another site."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


def _set_cookie(resp, name: str, value: str, secure: bool, max_age: int = 8 * 3600) -> None:
    resp.cookies[name] = value
    cookie = resp.cookies[name]
    cookie["httponly"] = True
    cookie["samesite"] = "Strict"
    cookie["path"] = "/"
    cookie["max-age"] = max_age
    if secure:
        cookie["secure"] = True
