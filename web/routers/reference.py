"""Reference data every page needs: units, categories, and who is logged in."""

from hotline.categories.models import CategoryPublic
from hotline.categories.service import list_categories
from hotline.units.models import Unit, UnitPublic
from hotline.units.service import list_units
from web import labels
from web.deps import AnyActor, BrowserSessionDep, CurrentUser, SessionDep
from web.errors import NotAuthenticated
from web.routers.common import api_router
from web.schemas import MeOut

router = api_router("reference")


@router.get("/api/me", summary="The logged-in user, and the CSRF token for state-changing requests")
def me(user: CurrentUser, data: BrowserSessionDep, session: SessionDep) -> MeOut:
    if data is None or user.id is None:
        raise NotAuthenticated()
    unit = session.get(Unit, user.unit_id) if user.unit_id is not None else None
    return MeOut(
        user_id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        role_label=labels.ROLE[user.role],
        unit_code=unit.code if unit else None,
        unit_name=(unit.short_name or unit.name) if unit else "",
        csrf_token=data.csrf,
    )


@router.get("/api/units", summary="Active member units")
def units(actor: AnyActor, session: SessionDep) -> list[UnitPublic]:
    return [UnitPublic.model_validate(u) for u in list_units(session)]


@router.get("/api/categories", summary="The category tree, flat")
def categories(actor: AnyActor, session: SessionDep) -> list[CategoryPublic]:
    return [CategoryPublic.model_validate(c) for c in list_categories(session)]
