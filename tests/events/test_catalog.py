"""The event catalog: documented schemas match the code, and every event a realistic
day in the community records validates against its type's schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from sqlalchemy import select
from sqlmodel import Session

from community.accounts.models import Role
from community.accounts.viewer import viewer_for
from community.events.catalog import CATALOG, schema_document, schema_json
from community.events.models import Event
from community.forum import service as forum
from community.reputation import service as reputation
from tests.factories import make_category, make_reply, make_thread, make_user

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_schema_files_match_the_catalog_and_are_valid_schemas() -> None:
    for type_ in CATALOG:
        path = DOCS / "events" / f"{type_}.schema.json"
        assert path.read_text(encoding="utf-8") == schema_json(type_), f"regenerate {path.name}"
        jsonschema.Draft202012Validator.check_schema(json.loads(path.read_text()))
        assert f"`{type_}`" in (DOCS / "events.md").read_text(encoding="utf-8")


def validate_all(db: Session) -> set[str]:
    """Validate every recorded event; returns the types seen."""
    seen = set()
    for event in db.execute(select(Event).order_by(Event.id)).scalars():  # type: ignore[arg-type]
        assert event.type in CATALOG, f"undocumented event type {event.type}"
        jsonschema.validate(
            event.payload,
            schema_document(event.type),
            format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
        )
        seen.add(event.type)
    return seen


def test_every_recorded_event_validates_against_its_schema(db: Session) -> None:
    asker = make_user(db, nickname="Fragerin", real_name="Erika Mustermann", company="ACME")
    helper = make_user(db, nickname="Helfer")
    expert = make_user(db, nickname="Expertin", role=Role.expert, staff=True)
    moderator = make_user(db, nickname="Moderator", role=Role.moderator, staff=True)
    board = make_category(db, slug="router")
    thread = make_thread(db, author=asker, category=board, title="Router verliert Verbindung")
    first = make_reply(db, author=helper, thread=thread, body="Firmware aktualisieren.")
    second = make_reply(db, author=expert, thread=thread, body="Kanal 36 einstellen.")
    reputation.give_kudos(db, viewer_for(db, asker), first.id)  # type: ignore[arg-type]
    reputation.accept_solution(db, viewer_for(db, asker), thread.id, first.id)  # type: ignore[arg-type]
    reputation.accept_solution(db, viewer_for(db, expert), thread.id, second.id)  # type: ignore[arg-type]
    reputation.withdraw_solution(db, viewer_for(db, asker), thread.id)  # type: ignore[arg-type]
    reputation.accept_solution(db, viewer_for(db, asker), thread.id, first.id)  # type: ignore[arg-type]
    forum.delete_post(db, viewer_for(db, moderator), first.id)  # type: ignore[arg-type]
    db.commit()

    seen = validate_all(db)
    assert {"thread.created", "post.created", "thread.solved", "thread.unsolved"} <= seen
    assert {"kudos.given"} <= seen
