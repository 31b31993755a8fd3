"""The web pages' router: the public pages, the members' console and the static files.

`zeroscam.app.create_app` includes `router`. Server-rendered (Jinja2), progressively
enhanced with HTMX; Thai by default, English a click away. See docs/web.md.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from zeroscam.web import assets, console, public

router = APIRouter(include_in_schema=False)
# check_dir=False: the app starts even when setup has not copied the npm assets yet.
router.mount("/static", StaticFiles(directory=str(assets.STATIC_DIR), check_dir=False), name="static")
router.include_router(public.router)
router.include_router(console.router)
