"""The data export as a file to download: one answer for the API and the settings page, so
both hand out the same file under the same name and neither is kept in a cache."""

from __future__ import annotations

import json
from typing import Any

from fastapi import Response
from sqlmodel import Session

from community import i18n
from community.accounts.models import User
from community.accounts.viewer import Viewer
from community.privacy import service as privacy


def export_response(session: Session, viewer: Viewer) -> Response:
    data = privacy.export_data(session, viewer)  # refuses visitors
    assert viewer.user is not None
    return _file(data, viewer.user, viewer)


def admin_export_response(session: Session, viewer: Viewer, user_id: int) -> Response:
    """A member's export taken by an admin (admins only; audited)."""
    data, user = privacy.export_for_admin(session, viewer, user_id)
    return _file(data, user, viewer)


def _file(data: dict[str, Any], user: User, viewer: Viewer) -> Response:
    name = privacy.export_filename(user, i18n.locale_of(viewer.user))
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
