"""``/docs``: Swagger UI from assets installed with the package, never from a CDN.

The page works on a machine or intranet without internet, under the guard's ``/docs``
policy (``'self'`` only). The assets come from the ``fastapi-offline`` wheel, which carries
Swagger UI 5 (OpenAPI 3.1, what FastAPI describes).
"""

from __future__ import annotations

from importlib.resources import as_file, files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

#: Where the assets are served; under /docs, which the guard leaves open.
ASSETS = "/docs/assets"


def mount_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and its assets (the app must be made with ``docs_url=None``)."""
    with as_file(files("fastapi_offline").joinpath("static")) as static:
        app.mount(ASSETS, StaticFiles(directory=static), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
        )
