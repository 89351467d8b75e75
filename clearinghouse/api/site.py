"""The transparency site's pages (DESIGN §13), rendered on the server from
``clearinghouse/site/templates``; errors on them are pages too (see api/problems.py)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, g, jsonify, render_template, request

from clearinghouse.api.params import int_arg
from clearinghouse.api.root import current_root
from clearinghouse.api.site_charts import bar_chart
from clearinghouse.services.read_models import incident_figures, report, site_pages, transparency
from clearinghouse.services.use_cases import site_sessions

__all__ = ["SESSION_COOKIE", "bp", "render_error", "secure_headers"]

SITE_DIR = Path(__file__).resolve().parents[1] / "site"  # templates and static files
SESSION_COOKIE = "clearinghouse_session"

bp = Blueprint(
    "site",
    __name__,
    template_folder=str(SITE_DIR / "templates"),
    static_folder=str(SITE_DIR / "static"),
    static_url_path="/site/static",
)

# Nothing from other origins, no inline script or style; the browser may only fetch from us.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@bp.before_request
def _who_is_looking():
    g.viewer = site_sessions.viewer(current_root().db, request.cookies.get(SESSION_COOKIE))


@bp.after_request
def _headers(response: Response) -> Response:
    return secure_headers(response)


def secure_headers(response: Response) -> Response:
    """The site's security headers: a strict CSP, no referrer (sign-in links carry tokens)."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    if response.mimetype == "text/html":
        response.headers["Cache-Control"] = "no-store"
    return response


def _figures() -> dict:
    root = current_root()
    return report.report(root.db, root.settings.confirm_threshold)


def _page(template: str, **values) -> str:
    return render_template(template, viewer=g.viewer, **values)


@bp.get("/")
def home():
    return _page(
        "home.html",
        page="home",
        **site_pages.home(current_root().db, current_root().log_key, g.viewer),
    )


@bp.get("/log")
def log():
    before = int_arg("before", required=False)
    data = site_pages.log_page(current_root().db, current_root().log_key, before, g.viewer)
    return _page("log.html", page="log", **data)


@bp.get("/log/<int:index>")
def entry(index: int):
    return _page(
        "entry.html",
        page="log",
        **site_pages.entry_page(current_root().db, current_root().log_key, index, g.viewer),
    )


@bp.get("/members")
def members():
    return _page("members.html", page="members", **site_pages.members_page(current_root().db))


@bp.get("/incidents")
def incidents():
    data = incident_figures.incidents_page(current_root().db)
    return _page("incidents.html", page="incidents", **data)


@bp.get("/incidents/<slug>")
def incident(slug: str):
    data = incident_figures.incident_page(current_root().db, slug)
    timeline = data["timeline"]
    chart = bar_chart(
        timeline["periods"],
        [(t, timeline["new_signals"][t]) for t in timeline["types"]],
        f"New signals by type and {timeline['unit']} (UTC)",
    )
    return _page("incident.html", page="incidents", i=data, chart=chart)


@bp.get("/report")
def report_page():
    figures = _figures()
    months = figures["months"]
    by_type = bar_chart(
        months,
        [(t, [figures["signals_by_type_month"][t][m] for m in months]) for t in figures["types"]],
        "New signals by type and month",
    )
    activity = figures["activity"]
    over_time = bar_chart(
        list(activity),
        [(what, [row.get(what, 0) for row in activity.values()])
         for what in ("submitted", "corroborated", "retracted")],
        "Contributions submitted, corroborated and retracted by month",
    )  # fmt: skip
    families = figures["label_families_by_month"]
    by_family = bar_chart(
        months,
        [(family, [by_month.get(m, 0) for m in months]) for family, by_month in families.items()],
        "Active contributions by label family and month contributed",
    )
    charts = [by_type, by_family, over_time]
    return _page("report.html", page="report", r=figures, charts=charts)


@bp.get("/report.csv")
def report_csv():
    body = report.report_csv(_figures())
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="clearinghouse-report.csv"'},
    )


@bp.get("/signals/<int:signal_id>")
def signal(signal_id: int):
    data = site_pages.signal_page(current_root().db, signal_id, g.viewer)
    return _page("signal.html", page="signal", s=data)


@bp.get("/site/proof/consistency")
def consistency():
    """Public: the consistency proof the page's script checks the remembered checkpoint with."""
    return jsonify(transparency.consistency(current_root().db, int_arg("first"), int_arg("second")))


def render_error(status: int, title: str, detail: str) -> Response:
    """An error as a page, for requests to the site's pages."""
    viewer = getattr(g, "viewer", site_pages.PUBLIC)
    body = render_template("error.html", viewer=viewer, page="", status=status, title=title,
                           detail=detail)  # fmt: skip
    return secure_headers(Response(body, status=status, mimetype="text/html"))
