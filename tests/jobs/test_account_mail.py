"""Account mails go through the outbox; the jobs table holds no personal data."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from community.accounts import service as accounts
from community.accounts.mail import MAIL_JOB
from community.jobs.models import Job, JobStatus
from community.jobs.worker import Worker
from community.mailer import OutgoingMail


@pytest.fixture
def sent(monkeypatch) -> list[OutgoingMail]:
    outbox: list[OutgoingMail] = []
    monkeypatch.setattr("community.accounts.mail.send_mail", outbox.append)
    return outbox


def _register(db):
    user = accounts.register(
        db,
        email="Erika.Muster@Beispiel-GmbH.de",
        password="ein-sehr-sicheres-Passwort-42",
        nickname="Netzwerkerin",
        real_name="Erika Mustermann",
        company="Beispiel GmbH",
    )
    db.commit()
    return user


def test_verification_mail_job_names_the_user_by_id_only(db):
    user = _register(db)

    [job] = db.execute(select(Job).where(Job.type == MAIL_JOB)).scalars().all()  # type: ignore[arg-type]

    assert set(job.payload) == {"user_id", "purpose", "token"}
    assert job.payload["user_id"] == user.id
    assert job.payload["purpose"] == "verify"
    # The token is random; everything else must not carry the address or a name.
    stored = json.dumps({k: v for k, v in job.payload.items() if k != "token"}).lower()
    for private in ("erika", "muster", "beispiel", "@", "netzwerkerin"):
        assert private not in stored
    assert "@" not in job.payload["token"]


def test_worker_sends_the_verification_mail_to_the_current_address(engine, db, sent):
    user = _register(db)
    [job] = db.execute(select(Job).where(Job.type == MAIL_JOB)).scalars().all()  # type: ignore[arg-type]
    # The address changes before the worker gets to it: the mail goes to the new one.
    user.email = "neu@beispiel-gmbh.de"
    db.add(user)
    db.commit()

    assert Worker(engine).run_until_empty() == 1

    [mail] = sent
    assert mail.to == "neu@beispiel-gmbh.de"
    assert "Hallo Netzwerkerin" in mail.text
    assert f"/verify-email?token={job.payload['token']}" in mail.text
    db.expire_all()
    assert db.get(Job, job.id).status == JobStatus.done  # type: ignore[union-attr]
