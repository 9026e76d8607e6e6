"""`community export-faq --format json|csv|jsonld` writes what the API exports."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import Engine
from sqlmodel import Session
from typer.testing import CliRunner

from community import cli
from community.accounts.models import Role
from community.accounts.viewer import viewer_for
from community.faq import service as faq
from tests.factories import make_category, make_group, make_user
from tests.faq.test_faq import entry_of, solved

runner = CliRunner()


@pytest.fixture
def published(db: Session, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_engine", lambda: engine)
    moderator = viewer_for(db, make_user(db, role=Role.moderator, staff=True))
    member, helper = make_user(db), make_user(db)
    group = make_group(db, slug="partner", members=[member, helper])
    for thread in (
        solved(db, make_category(db, slug="router")),
        solved(db, make_category(db, slug="intern", groups=[group]), member, helper),
    ):
        faq.publish(db, moderator, entry_of(db, thread).id)  # type: ignore[arg-type]
    db.commit()


def test_json_export_has_public_entries_and_closed_ones_only_with_group(published: None) -> None:
    result = runner.invoke(cli.app, ["export-faq", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert [i["board"] for i in json.loads(result.stdout)["items"]] == ["router"]
    result = runner.invoke(cli.app, ["export-faq", "--group", "partner"])
    assert sorted(i["board"] for i in json.loads(result.stdout)["items"]) == ["intern", "router"]


def test_csv_and_jsonld_export(published: None) -> None:
    result = runner.invoke(cli.app, ["export-faq", "--format", "csv"])
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader(io.StringIO(result.stdout)))
    assert row["answer"] == "Kanal 36 fest einstellen."
    # The next cursor, on stderr (stdout is the file), starts the next export where this ended
    [cursor] = re.findall(r"Cursor: (\S+)", result.stderr)
    later = runner.invoke(cli.app, ["export-faq", "--format", "csv", "--updated-since", cursor])
    assert later.exit_code == 0 and list(csv.DictReader(io.StringIO(later.stdout))) == []
    result = runner.invoke(cli.app, ["export-faq", "--format", "jsonld"])
    assert json.loads(result.stdout)["mainEntity"][0]["name"] == "WLAN bricht ab"


def test_unknown_format_is_refused(published: None) -> None:
    result = runner.invoke(cli.app, ["export-faq", "--format", "xml"])
    assert result.exit_code == 2
