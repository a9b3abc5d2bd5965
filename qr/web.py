"""The app's own HTTP routes beside Streamlit's (served by st.App in board.py): sign-in and sign-out, which set
and clear the HttpOnly session cookie that a Streamlit script cannot set itself, and the operations' /healthz and
/metrics. No Streamlit here."""
from urllib.parse import urlencode, urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from qr import db, metrics, store

SESSION_COOKIE = "qr_session"
SIGN_IN_PATH = "/auth/sign-in"
SIGN_OUT_PATH = "/auth/sign-out"
REFUSED = "signin"          # the query parameter that tells the sign-in form its last try was refused


def safe_next(target: str | None) -> str:
    """Where to go after signing in or out: a path of this site only (never another host), else the board."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def _with_refusal(target: str) -> str:
    parts = urlsplit(target)
    query = f"{parts.query}&" if parts.query else ""
    return f"{parts.path}?{query}{urlencode({REFUSED: 'refused'})}"


def _client(request: Request) -> str:
    """The address the throttle counts by (behind a proxy, uvicorn's --proxy-headers gives the real one)."""
    return request.client.host if request.client else ""


def _same_origin(request: Request) -> bool:
    """A form posted from another site is refused (with SameSite=Lax, the cookie's own defence)."""
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host")


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


async def sign_in(request: Request):
    if not _same_origin(request):
        return PlainTextResponse("cross-site form refused", status_code=403)
    form = await request.form()
    target = safe_next(form.get("next"))
    keep = form.get("keep") == "on"
    try:
        person = await run_in_threadpool(store.authenticate, username=form.get("username") or "",
                                         password=form.get("password") or "", client=_client(request))
    except store.SignInRefused:
        return RedirectResponse(_with_refusal(target), status_code=303)
    user_agent = request.headers.get("user-agent", "")[:60]
    token = await run_in_threadpool(store.open_session, person_id=person.person_id, keep=keep,
                                    client=f"{_client(request)} {user_agent}".strip())
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(SESSION_COOKIE, token, max_age=store.KEEP_DAYS * 24 * 3600 if keep else None, path="/",
                        httponly=True, samesite="lax", secure=_secure(request))
    return response


async def sign_out(request: Request):
    if not _same_origin(request):
        return PlainTextResponse("cross-site form refused", status_code=403)
    form = await request.form()
    await run_in_threadpool(store.end_session, token=request.cookies.get(SESSION_COOKIE) or "")
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


async def healthz(_request: Request):
    """200 only when the database answers and its schema is this code's: a load balancer sends users nowhere
    else. Streamlit's /_stcore/health says only that the server runs."""
    state = await run_in_threadpool(db.health)
    healthy = state == {"database": "ok", "schema": "current"}
    return JSONResponse(state, status_code=200 if healthy else 503, headers={"cache-control": "no-store"})


async def metrics_text(_request: Request):
    """This instance's counters in Prometheus' text format, with the outbox backlog read now (shared by all)."""
    for state, count in (await run_in_threadpool(store.outbox_backlog)).items():
        metrics.OUTBOX.labels(state=state).set(count)
    return Response(generate_latest(metrics.REGISTRY), media_type=CONTENT_TYPE_LATEST)


ROUTES = [Route(SIGN_IN_PATH, sign_in, methods=["POST"]), Route(SIGN_OUT_PATH, sign_out, methods=["POST"]),
          Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics_text, methods=["GET"])]
