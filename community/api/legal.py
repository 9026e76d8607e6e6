"""/api/v1/admin/legal/{page} and /api/v1/admin/staff-names. Admins only; readers get the
pages on the web (/impressum, /datenschutz, /netiquette)."""

from __future__ import annotations

from fastapi import APIRouter

from community.accounts.staff import staff_names_shown
from community.deps import AdminOnly, SessionDep, ViewerDep
from community.legal import service as legal
from community.legal.schemas import LegalPageAdmin, LegalPageUpdate, StaffNamesSetting
from community.legal.service import LegalPageSlug

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[AdminOnly])


def _page_admin(session: SessionDep, page: LegalPageSlug) -> LegalPageAdmin:
    stored = legal.stored_page(session, page)
    resolved = legal.resolve_page(session, page)
    return LegalPageAdmin(
        page=page,
        markdown=stored.markdown,
        url=stored.url,
        env_url=legal.env_url(page),
        source=resolved.source,
        href=resolved.href,
    )


@router.get("/legal/{page}")
def get_legal_page(page: LegalPageSlug, session: SessionDep) -> LegalPageAdmin:
    return _page_admin(session, page)


@router.put("/legal/{page}")
def update_legal_page(
    page: LegalPageSlug, data: LegalPageUpdate, session: SessionDep, viewer: ViewerDep
) -> LegalPageAdmin:
    legal.update_page(session, viewer, page, markdown=data.markdown, url=data.url)
    return _page_admin(session, page)


@router.get("/staff-names")
def get_staff_names(session: SessionDep) -> StaffNamesSetting:
    return StaffNamesSetting(show_name=staff_names_shown(session))


@router.put("/staff-names")
def set_staff_names(
    data: StaffNamesSetting, session: SessionDep, viewer: ViewerDep
) -> StaffNamesSetting:
    return StaffNamesSetting(show_name=legal.set_staff_names_shown(session, viewer, data.show_name))
