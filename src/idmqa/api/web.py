"""The browser side: the embeddable widget script and the search page that reuses it."""

from __future__ import annotations

import hashlib
import html
from functools import cache
from importlib.resources import files

from fastapi import APIRouter, Request, Response

router = APIRouter(include_in_schema=False)

#: The search page loads only same-origin resources; the widget's styles are constructed
#: stylesheets inside its shadow root, so no 'unsafe-inline' is needed for scripts or styles.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)


#: Where the search page's script tag takes the page's public key (IDMQA_PUBLIC_KEYS).
_PAGE_SCRIPT = b'data-mode="page"'


@cache
def _asset(name: str, page_key: str | None = None) -> tuple[bytes, str]:
    """The bytes of a packaged static file, with the page key in the search page's script
    tag if there is one, and a strong ETag for them."""
    data = files("idmqa").joinpath("static", name).read_bytes()
    if page_key:
        attribute = f' data-api-key="{html.escape(page_key, quote=True)}"'.encode()
        data = data.replace(_PAGE_SCRIPT, _PAGE_SCRIPT + attribute, 1)
    return data, '"' + hashlib.sha256(data).hexdigest()[:20] + '"'


def _serve(request: Request, name: str, media_type: str, headers: dict[str, str]) -> Response:
    data, etag = _asset(name, request.app.state.page_key if name == "index.html" else None)
    headers = {"ETag": etag, "X-Content-Type-Options": "nosniff", **headers}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    body = b"" if request.method == "HEAD" else data
    response = Response(body, media_type=media_type, headers=headers)
    if request.method == "HEAD":
        response.headers["content-length"] = str(len(data))
    return response


@router.api_route("/widget.js", methods=["GET", "HEAD"])
def widget_js(request: Request) -> Response:
    """The embeddable chat widget (vanilla JS, no dependencies)."""
    # Partners load it from their own pages: cacheable anywhere for an hour, then revalidated
    # by ETag; allowed as a cross-origin resource even on pages with COEP.
    return _serve(
        request,
        "widget.js",
        "text/javascript; charset=utf-8",
        {
            "Cache-Control": "public, max-age=3600, stale-while-revalidate=86400",
            "Cross-Origin-Resource-Policy": "cross-origin",
        },
    )


@router.api_route("/pages.css", methods=["GET", "HEAD"])
def pages_css(request: Request) -> Response:
    """The style of the readable passage and speaker pages."""
    return _serve(request, "pages.css", "text/css; charset=utf-8", {"Cache-Control": "no-cache"})


@router.api_route("/pages.js", methods=["GET", "HEAD"])
def pages_js(request: Request) -> Response:
    """The readable pages' copy-citation button."""
    return _serve(
        request, "pages.js", "text/javascript; charset=utf-8", {"Cache-Control": "no-cache"}
    )


@router.api_route("/", methods=["GET", "HEAD"])
def search_page(request: Request) -> Response:
    """A small search page for quick look-ups, built from the widget's components."""
    return _serve(
        request,
        "index.html",
        "text/html; charset=utf-8",
        {
            "Cache-Control": "no-cache",
            "Content-Security-Policy": PAGE_CSP,
            "Referrer-Policy": "no-referrer",
        },
    )
