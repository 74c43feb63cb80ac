"""Schemathesis over the whole OpenAPI, as every role: no input the schema allows, nor any it
refuses, gets a 5xx, and every answer matches the schema it documents.

In-process (the ASGI app, its lifespan run by schemathesis), on SQLite and on the real PostgreSQL
(which refuses text SQLite takes), derandomised so that a run repeats exactly, and bounded:
``EXAMPLES`` cases per operation and generation mode, no shrinking (about 100 s on 2 cores).
"""

import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlmodel import Session, select

from hotline.users.models import User
from tests.web.conftest import build_engine, drop_engine, make_app
from web.security import COOKIE, BrowserSession

ROLES = ("anonymous", "operator1", "dispatcher", "unit_housing", "supervisor", "admin")
EXAMPLES = 5
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(params=["sqlite", "postgres"])
def app(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Any]:
    engine = build_engine(request.param, tmp_path, sqlite_template)
    app = make_app(engine, open311_post_limit=10_000)
    yield app
    asgi.shutdown_lifespans()  # schemathesis started the app's lifespan with its first request
    drop_engine(engine)


def _credentials(app: Any, username: str) -> tuple[dict[str, str], dict[str, str]]:
    """Headers and cookies of a logged-in browser (none for the anonymous caller)."""
    if username == "anonymous":
        return {}, {}
    with Session(app.state.services.engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
    data = BrowserSession(user_id=user.id, csrf=secrets.token_urlsafe(16))
    return {"X-CSRF-Token": data.csrf}, {COOKIE: app.state.services.codec.dumps(data)}


@pytest.mark.parametrize("role", ROLES)
def test_no_request_gets_a_server_error_and_every_answer_is_documented(app: Any, role: str) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers, cookies = _credentials(app, role)
    failures: list[str] = []
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results) > 40, [r for r in results if not isinstance(r, Ok)]
    # Invalid input is refused by validation before any query, the same on either database:
    # negative cases run on SQLite only, valid ones on both.
    backend = app.state.services.engine.dialect.name
    modes = (
        (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if backend == "sqlite"
        else (GenerationMode.POSITIVE,)
    )
    for operation in operations:
        for mode in modes:

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
                verbosity=Verbosity.quiet,
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Any) -> None:
                case.call_and_validate(headers=headers, cookies=cookies, checks=CHECKS)

            try:
                run()
            except Unsatisfiable:
                continue  # nothing to negate: the operation takes no input
            except (Exception, BaseExceptionGroup) as err:  # all operations run; all failures are listed
                failures.append(f"{operation.label} ({mode.value}): {err}")
    assert not failures, f"{len(failures)} operation(s) failed as {role}:\n\n" + "\n\n".join(failures)
