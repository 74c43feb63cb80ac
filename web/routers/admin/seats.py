"""坐席: the admin's list of seats with their phones and operators. Setting a seat up and saying
who works there are the seat routes' (``POST /api/seats``, ``PUT /api/seats/{code}/operator``)."""

from pydantic import BaseModel

from hotline.calls import service as calls
from hotline.enums import SeatState
from hotline.users.service import get_user
from web import labels
from web.deps import AdminActor, SessionDep
from web.routers.common import api_router

router = api_router("admin")


class SeatRow(BaseModel):
    id: int
    code: str
    interface: str
    name: str
    state: SeatState
    state_label: str
    operator_username: str | None
    operator_name: str


@router.get("/api/admin/seats", summary="Every seat with its phone interface and operator (admin)")
def list_seats(actor: AdminActor, session: SessionDep) -> list[SeatRow]:
    rows = []
    for seat in calls.list_seats(session):
        assert seat.id is not None
        user = get_user(session, user_id=seat.user_id) if seat.user_id is not None else None
        rows.append(
            SeatRow(
                id=seat.id,
                code=seat.code,
                interface=seat.interface,
                name=seat.name,
                state=seat.state,
                state_label=labels.SEAT_STATE[seat.state],
                operator_username=user.username if user else None,
                operator_name=user.display_name if user else "",
            )
        )
    return rows
