"""Assemble the web app: JSON API, widget script, the chat at ``/`` and the compact view at ``/embed``;
for other agents, ``POST /v1/chat/completions`` and the MCP server at ``/mcp`` (``bot.faces``).

Concurrency: Gradio's queue runs at most ``Settings.ui_concurrency`` chat turns at once (all turn
events share one concurrency id), holds at most ``Settings.ui_max_queue`` waiting requests, and the
JSON API runs turns in Starlette's thread pool; each session's own lock serialises its turns."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import gradio as gr
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from bot.faces.mcp import mount_mcp
from bot.faces.openai_chat import build_openai_api
from bot.readiness import Readiness
from bot.recommender import Recommender
from bot.settings import Settings
from bot.ui.api import build_api
from bot.ui.chat import ChatApp
from bot.ui.sessions import SessionPool
from bot.ui.style import CSS, THEME_KW
from bot.ui.widget import WIDGET_JS
from tools.errors import ConfigurationError

log = logging.getLogger(__name__)
# API descriptions and docs that Gradio's own FastAPI app would serve under each mount: never in production
HIDDEN_PATHS = {"openapi.json", "docs", "redoc", "oauth2-redirect"}
RECOMMENDING = (
    "/api/chat",
    "/v1/",
    "/mcp",
)  # refused (and the page's turns) by a worker over another catalogue
PAGE_REFUSAL_STATUS = 409  # the page's refusal (see _refusal_status)


def allowed_origins(settings: Settings) -> list[str]:
    raw = settings.embed_origins.replace(",", " ").split()
    return raw or ["*"]


def frame_ancestors(origins: list[str]) -> str:
    if "*" in origins:
        return "frame-ancestors *"
    return "frame-ancestors 'self' " + " ".join(origins)


def browser_secret(settings: Settings) -> str:
    """The key that encrypts the session id kept in the browser: ``PARLEY_UI_SECRET`` (required when
    several workers serve one site: each must read the ids the others gave out), else a file under the
    state directory so that a restarted server still reads the ids its browsers hold."""
    if settings.ui_secret is not None:
        return settings.ui_secret.get_secret_value()
    if settings.workers > 1:
        raise ConfigurationError(
            "PARLEY_WORKERS > 1 needs PARLEY_UI_SECRET (the same long random string on every worker)"
        )
    path = settings.state_dir / "ui-browser-secret"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    path.write_text(secret, encoding="utf-8")
    path.chmod(0o600)
    return secret


def _recommending(path: str) -> bool:
    return path.startswith(RECOMMENDING) or "/gradio_api/" in path


def _refusal_status(request: Request) -> int:
    """503 for the APIs; 409 for the page's own calls, since Gradio's client shows any 503 from its
    queue as "This application is currently busy" and would hide the reason (any other status: the
    reason, in the page's error toast: what a page loaded from another worker shows for ten seconds)."""
    return PAGE_REFUSAL_STATUS if "/gradio_api/" in request.url.path else 503


def _theme() -> gr.themes.Base:
    return gr.themes.Soft(**THEME_KW)


def build_app(recommender: Recommender, settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    origins = allowed_origins(settings)
    pool = SessionPool(
        recommender,
        capacity=settings.session_cache_size,
        rate_limit_per_minute=settings.rate_limit_per_minute,
        rate_limit_per_ip_per_minute=settings.rate_limit_per_ip_per_minute,
    )
    readiness = Readiness(recommender)
    app = FastAPI(title="Parley", docs_url=None, redoc_url=None, openapi_url=None)
    csp = frame_ancestors(origins)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        if request.url.path.rstrip("/").rsplit("/", 1)[-1] in HIDDEN_PATHS:
            response: Response = JSONResponse({"detail": "Not Found"}, status_code=404)
        elif readiness.refusal and request.method == "POST" and _recommending(request.url.path):
            # over another catalogue than the published one: no recommendations (docs/deploy.md)
            response = JSONResponse({"detail": readiness.refusal}, status_code=_refusal_status(request))
        else:
            response = await call_next(request)
        response.headers["Content-Security-Policy"] = csp
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        return response

    @app.get("/widget.js", include_in_schema=False)
    def widget() -> Response:
        return Response(
            WIDGET_JS,
            media_type="application/javascript",
            headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
        )

    @app.get("/healthz", include_in_schema=False)
    def health() -> JSONResponse:
        return JSONResponse({"ok": True})  # liveness: the process answers

    @app.get("/readyz", include_in_schema=False)
    def ready() -> JSONResponse:  # readiness: every store and the LLM answer (docs/deploy.md)
        ok, body = readiness.check()
        return JSONResponse(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})

    @app.get("/embed", include_in_schema=False)
    def embed_slash(request: Request) -> RedirectResponse:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(f"/embed/{query}")

    app.mount("/api", build_api(pool, origins))
    app.mount("/v1", build_openai_api(pool, origins))  # POST /v1/chat/completions (bot.faces.openai_chat)
    mount_mcp(app, pool, settings, origins)  # /mcp: the MCP server over streamable HTTP (bot.faces.mcp)
    k = settings.recommendations_per_turn
    secret = browser_secret(settings)
    mount_kw: dict[str, Any] = {
        "footer_links": [],
        "run_history": False,
        "mcp_server": False,
        "ssr_mode": False,
        "pwa": False,
        "show_error": False,
        "theme": _theme(),
        "css": CSS,
        "server_name": settings.serve_host,
        "server_port": settings.serve_port,
    }
    for path, compact in (("/embed", True), ("/", False)):
        # a refusing worker's page shows the reason in the chat and makes no call (ChatApp.build)
        blocks = ChatApp(pool, compact=compact, max_cards=k, secret=secret).build(readiness.refusal)
        blocks.queue(default_concurrency_limit=settings.ui_concurrency, max_size=settings.ui_max_queue)
        gr.mount_gradio_app(app, blocks, path=path, **mount_kw)
    return app


def serve(settings: Settings, host: str | None = None, port: int | None = None) -> int:
    """Run the app with uvicorn until interrupted (``parley serve``)."""
    import uvicorn

    recommender = Recommender.from_settings(settings)
    app = build_app(recommender, settings)
    host = host or settings.serve_host
    port = port or settings.serve_port
    print(f"Parley is serving http://{host}:{port}/ (widget: http://{host}:{port}/widget.js)", flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        recommender.close()
    return 0
