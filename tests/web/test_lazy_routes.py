"""The administration's routers (and the FAQ's, blog's and moderators' API) are imported by
the first request under their paths (community/lazyroutes.py): until then a process answers
every request as one that has them, the same page, 404 or 405, and its API schema is the
same."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from community.api.router import api_router
from community.lazyroutes import LazyRouter, load_all
from community.web.router import web_router

ROOT = Path(__file__).resolve().parents[2]


def _lazy(router: Any) -> list[LazyRouter]:
    found = []
    for route in router.routes:
        included = getattr(route, "original_router", None)
        if isinstance(included, LazyRouter):
            found.append(included)
    return found


def _paths(router: Any, prefix: str = "") -> list[str]:
    paths = []
    for route in router.routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            paths += _paths(included, prefix + route.include_context.prefix)
        else:
            paths.append(prefix + route.path)
    return paths


def test_no_route_of_a_lazy_area_lies_outside_its_prefixes() -> None:
    # Else a request for it, before the area is loaded, would miss it (404 for a page).
    areas = [(lazy, "") for lazy in _lazy(web_router)]
    areas += [(lazy, api_router.prefix) for lazy in _lazy(api_router)]
    assert len(areas) == 10
    for lazy, prefix in areas:
        lazy.load()
        paths = _paths(lazy, prefix)
        assert paths, lazy.target
        outside = [p for p in paths if not lazy.covers(p)]
        assert outside == [], f"{lazy.target}: {outside}"


# In a fresh process: the status and body of each request, and the API schema's paths.
_PROBE = """
import hashlib, json, re, sys
from fastapi.testclient import TestClient
from community.app import create_app
from community.db import get_engine
from community.lazyroutes import load_all
from community.migrate import upgrade

upgrade(get_engine())
app = create_app()
eager = sys.argv[1] == "eager"
if eager:
    load_all(app.router)
lazy = ("community.web.admin_home", "community.api.admin", "community.api.faq", "community.api.moderation")
imported = sorted(m for m in lazy if m in sys.modules)
answers = []
with TestClient(app) as client:
    for method, path in json.loads(sys.argv[2]):
        response = client.request(method, path, follow_redirects=False)
        # Without what differs between any two requests: tokens, nonces, request ids.
        body = re.sub(r"[A-Za-z0-9_-]{20,}", "~", response.text)
        answers.append([method, path, response.status_code, response.headers.get("location"), response.headers.get("allow"), hashlib.sha256(body.encode()).hexdigest()])
    schema = app.openapi()
print(json.dumps({"imported": imported, "answers": answers, "schema": schema}))
"""

REQUESTS = [
    ("GET", "/admin"),
    ("GET", "/admin/"),
    ("GET", "/admin/legal"),
    ("GET", "/admin/ranks"),
    ("POST", "/admin/legal"),
    ("GET", "/admin/nothing-here"),
    ("DELETE", "/admin/members"),
    ("GET", "/administrator"),
    ("GET", "/api/v1/admin/groups"),
    ("PATCH", "/api/v1/admin/groups"),
    ("GET", "/api/v1/admin/webhooks"),
    ("GET", "/api/v1/admin/nothing-here"),
    ("GET", "/api/v1/admin/ranks"),
    ("GET", "/api/v1/adminx"),
    ("GET", "/api/v1/faq"),
    ("DELETE", "/api/v1/faq"),
    ("GET", "/api/v1/articles"),
    ("GET", "/api/v1/articles/999"),
    ("GET", "/api/v1/moderation/queue"),
    ("POST", "/api/v1/posts/1/kudos"),
    ("GET", "/api/v1/posts/1/reports"),
]


def _python(data: Path, *args: str, **env: str) -> str:
    """What `python -c args...` prints, in a fresh process on a database in `data`."""
    environ = {
        **os.environ,
        "COMMUNITY_DATABASE_URL": f"sqlite:///{data}/forum.sqlite3",
        "COMMUNITY_DATA_DIR": str(data),
        "PYTHONPATH": str(ROOT),
        **env,
    }
    out = subprocess.run(
        [sys.executable, "-c", *args],
        env=environ,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout


def _probe(tmp_path: Path, mode: str) -> dict[str, Any]:
    data = tmp_path / mode
    data.mkdir()
    out = _python(
        data,
        _PROBE,
        mode,
        json.dumps(REQUESTS),
        COMMUNITY_RUN_WORKER_IN_PROCESS="false",
        COMMUNITY_WARM_UP="false",
    )
    return json.loads(out.strip().splitlines()[-1])


def test_a_fresh_process_answers_the_administration_as_one_that_loaded_it(
    tmp_path: Path,
) -> None:
    lazy = _probe(tmp_path, "lazy")
    eager = _probe(tmp_path, "eager")
    assert lazy["imported"] == []
    assert len(eager["imported"]) == 4
    assert lazy["answers"] == eager["answers"]
    statuses = {(m, p): s for m, p, s, *_ in lazy["answers"]}
    assert statuses[("GET", "/admin/nothing-here")] == 404
    assert statuses[("POST", "/admin/legal")] == 405
    assert statuses[("PATCH", "/api/v1/admin/groups")] == 405
    assert statuses[("GET", "/api/v1/admin/groups")] == 401
    # The schema lists the lazy API's routes as well, the same as with everything loaded.
    assert lazy["schema"] == eager["schema"]
    assert "/api/v1/admin/groups" in lazy["schema"]["paths"]
    assert "/api/v1/admin/webhooks" in lazy["schema"]["paths"]
    assert "/api/v1/faq" in lazy["schema"]["paths"]
    assert "/api/v1/moderation/queue" in lazy["schema"]["paths"]


def test_the_administration_is_imported_by_its_first_request_only(tmp_path: Path) -> None:
    # With the start-up's warm-up, whose request for no page prepares every loaded router.
    code = (
        "import sys\n"
        "from starlette.testclient import TestClient\n"
        "from community.app import create_app\n"
        "from community.db import get_engine\n"
        "from community.migrate import upgrade\n"
        "upgrade(get_engine())\n"
        "app = create_app()\n"
        "with TestClient(app) as client:\n"
        "    client.get('/healthz')\n"
        "    before = 'community.web.admin_home' in sys.modules\n"
        "    client.get('/admin', follow_redirects=False)\n"
        "    print(before, 'community.web.admin_home' in sys.modules)\n"
    )
    out = _python(tmp_path, code, COMMUNITY_WARM_UP="true")
    assert out.split()[-2:] == ["False", "True"]


def test_load_all_loads_each_lazy_area() -> None:
    load_all(web_router)
    load_all(api_router)
    assert all(lazy.loaded for lazy in _lazy(web_router) + _lazy(api_router))
