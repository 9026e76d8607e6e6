"""The `community` command."""

from __future__ import annotations

import logging
import os
import secrets
import sys
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from typer.core import TyperGroup

from community.config import Settings, get_settings
from community.i18n import DEFAULT_LOCALE, supported, translate, translations


class Lang(StrEnum):
    de = "de"
    en = "en"


_lang = DEFAULT_LOCALE


def t(message: str) -> str:
    """A German msgid in the command's language (the forum's catalog)."""
    return translations(_lang).gettext(message)


def language(argv: Sequence[str], env: Mapping[str, str]) -> str:
    """`--lang` before the command, else the locale of the environment (LC_ALL,
    LC_MESSAGES, LANG: English for en_*), else German."""
    args = iter(argv)
    for arg in args:
        if arg == "--lang":
            return supported(next(args, DEFAULT_LOCALE))
        if arg.startswith("--lang="):
            return supported(arg.removeprefix("--lang="))
        if not arg.startswith("-"):
            break  # the command's own options follow
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if env.get(name):
            return "en" if env[name].lower().startswith("en") else DEFAULT_LOCALE
    return DEFAULT_LOCALE


def _translate_help(command: Any) -> None:
    # Help texts are German msgids, written across lines in docstrings: the catalog has
    # them with single spaces.
    for owner in (command, *command.params):
        for field in ("help", "short_help"):
            text = getattr(owner, field, None)
            if text:
                setattr(owner, field, t(" ".join(text.split())))
    for sub in getattr(command, "commands", {}).values():
        _translate_help(sub)


class LocalizedGroup(TyperGroup):
    """Picks the language before Click parses anything, so that `--help` of every command
    and the command's output speak it (Typer's own headings stay English)."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **kwargs: Any) -> Any:
        global _lang
        _lang = language(sys.argv[1:] if args is None else args, os.environ)
        if _lang != DEFAULT_LOCALE:
            _translate_help(self)
        try:
            return super().main(args, *rest, **kwargs)
        except Exception as exc:  # only an operator's setting is answered here; see below
            message = _setting_problem(exc)
            if message is None:
                raise
            Console(stderr=True).print(f"[red]{message}[/red]", soft_wrap=True)
            sys.exit(2)


def _setting_problem(exc: BaseException) -> str | None:
    """What an operator got wrong in the settings, in one line instead of a traceback: a
    database that does not answer or an address no driver knows, a value of the wrong kind.
    None for anything else, which stays a traceback (a bug)."""
    from pydantic import ValidationError
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    if isinstance(exc, DBAPIError):
        reason = str(exc.orig or exc).strip().splitlines()[0]
        # SQLite's "no such table", PostgreSQL's undefined_table: a database never migrated
        if "no such table" in reason or getattr(exc.orig, "sqlstate", "") == "42P01":
            return t("Die Datenbank hat noch keine Tabellen: zuerst `community migrate`.")
        # No answer at all: the connection failed (no SQLSTATE), or SQLite found no file
        if getattr(exc.orig, "sqlstate", None) is None and (
            exc.connection_invalidated
            or "unable to open database" in reason
            or not hasattr(exc.orig, "sqlite_errorcode")
        ):
            return t(
                "Die Datenbank antwortet nicht ({reason}). Prüfen Sie COMMUNITY_DATABASE_URL "
                "und ob der Datenbankserver läuft."
            ).format(reason=reason)
        return None  # a database error of the command's own work: the traceback says more
    if isinstance(exc, ArgumentError | NoSuchModuleError):
        return t(
            "COMMUNITY_DATABASE_URL ist keine Datenbankadresse, die das Forum kennt: "
            "postgresql://benutzer:passwort@host:5432/datenbank oder sqlite:///pfad/datei.sqlite3."
        )
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        name = "COMMUNITY_" + "_".join(str(part) for part in first["loc"]).upper()
        return t("Die Einstellung {name} ist ungültig: {reason}").format(
            name=name, reason=first["msg"]
        )
    return None


# Help and output in German, as the forum speaks German first; English with --lang en or
# an English locale. Exit codes: 0 done, 1 refused (a message says why), 2 wrong use or a
# setting that stops the start.
app = typer.Typer(
    cls=LocalizedGroup,
    help="Business-Community: ein Forum für Geschäftskunden. Beendet sich mit 0 bei Erfolg, "
    "1 bei einer Ablehnung, 2 bei falscher Verwendung oder Einstellung.",
    no_args_is_help=True,
)
console = Console()
# Progress and steps go to stderr, so that an export to stdout stays clean.
steps = Console(stderr=True)
T = TypeVar("T")


def _version(value: bool) -> None:
    if value:
        from community.api.openapi import package_version

        console.print(f"community {package_version()}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Version anzeigen und beenden"
        ),
    ] = False,
    lang: Annotated[
        Lang | None,
        typer.Option(
            "--lang",
            help="Sprache der Hilfe und der Ausgaben; Vorgabe: LANG, sonst Deutsch",
        ),
    ] = None,
) -> None:
    """Business-Community: ein Forum für Geschäftskunden."""


@contextmanager
def _step(what: str) -> Iterator[None]:
    """One line to stderr when a step starts and one when it is done, with its duration."""
    steps.print(f"… {what}", soft_wrap=True)
    started = time.perf_counter()
    yield
    steps.print(f"✓ {what} ({time.perf_counter() - started:.1f} s)", soft_wrap=True)


def _counted(items: Iterable[T], total: int | None, what: str) -> Iterator[T]:
    """A progress bar on stderr with count, rate and time left while `items` are walked."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=steps) as bar:
        task = bar.add_task(what, total=total, rate="")
        for n, item in enumerate(items, 1):
            yield item
            speed = bar.tasks[0].speed
            bar.update(task, completed=n, rate=f"{speed:.0f}/s" if speed else "")


def _engine():  # type: ignore[no-untyped-def]
    # Commands may run long statements on purpose (migrations, seeding, backups); the
    # server and the worker use get_engine(), whose statements are bounded.
    # Every table known: a command importing one domain's models only (recompute-counters)
    # failed on a foreign key into another's.
    import community.models  # noqa: F401
    from community.db import maintenance_engine

    return maintenance_engine()


@app.command()
def migrate() -> None:
    """Das Datenbankschema auf den neuesten Stand bringen (alembic upgrade head)."""
    from community.migrate import upgrade

    upgrade(_engine())
    console.print(f"[green]{t('Datenbank ist auf dem neuesten Stand.')}[/green]")


def _create_admin(email: str, nickname: str, password: str | None) -> tuple[str, bool]:
    """Returns the password and whether it was generated here."""
    from community.accounts import service as accounts
    from community.accounts.models import Role
    from community.db import session_scope

    generated = password is None
    password = password or secrets.token_urlsafe(15)
    for session in session_scope(_engine()):
        accounts.register(
            session,
            email=email,
            password=password,
            nickname=nickname,
            role=Role.admin,
            is_staff=True,
            verified=True,
        )
    return password, generated


@app.command("create-admin")
def create_admin(
    email: Annotated[str, typer.Option(help="Anmelde-E-Mail des Admins")],
    nickname: Annotated[str, typer.Option(help="Öffentlicher Spitzname")] = "Admin-Team",
    password: Annotated[
        str | None, typer.Option(help="Weglassen: eines wird erzeugt und einmal angezeigt")
    ] = None,
) -> None:
    """Ein Administratorkonto anlegen (Mitarbeitende des Unternehmens)."""
    from community.errors import CommunityError

    try:
        password, generated = _create_admin(email, nickname, password)
    except CommunityError as exc:
        console.print(f"[red]{translate(exc.message, _lang)}[/red]")
        raise typer.Exit(1) from exc
    console.print(t("Admin {nickname} <{email}> angelegt.").format(nickname=nickname, email=email))
    if generated:
        # soft_wrap: Rich must not break the secret across lines, or a copy of it fails.
        console.print(
            t("Passwort (wird nur dieses eine Mal angezeigt): {secret}").format(
                secret=f"[bold]{password}[/bold]"
            ),
            soft_wrap=True,
        )


@app.command("create-token")
def create_token(
    name: Annotated[str, typer.Option(help="Wofür das Token ist, z. B. 'CRM'")],
    scope: Annotated[list[str], typer.Option(help="faq:read, events:read, leads:read (mehrfach)")],
) -> None:
    """Ein Integrations-Token für `Authorization: Bearer` anlegen; einmal angezeigt."""
    from community.accounts import service as accounts
    from community.db import session_scope
    from community.errors import CommunityError

    try:
        for session in session_scope(_engine()):
            _token, raw = accounts.create_api_token(
                session, name=name, scopes=scope, created_by=None
            )
    except CommunityError as exc:
        console.print(f"[red]{translate(exc.message, _lang)}[/red]")
        raise typer.Exit(1) from exc
    shown = t("Token (wird nur dieses eine Mal angezeigt): {secret}")
    console.print(shown.format(secret=f"[bold]{raw}[/bold]"), soft_wrap=True)


@app.command("seed-demo")
def seed_demo(
    threads: Annotated[int, typer.Option(help="Wie viele Themen angelegt werden", min=1)] = 60,
    seed: Annotated[int, typer.Option(help="Zufallsstartwert, für wiederholbare Inhalte")] = 1,
) -> None:
    """Das Forum mit deutschen Demo-Foren, Mitgliedern, Fragen und Antworten füllen."""
    from community.demo import seed_demo_content

    created = seed_demo_content(_engine(), threads=threads, seed=seed, progress=t("Themen"))
    message = t("{count} Themen angelegt und in den Suchindex aufgenommen.").format(count=created)
    console.print(f"[green]{message}[/green]")


@app.command()
def reindex() -> None:
    """Einen neuen Suchindex aus der Datenbank aufbauen und einsetzen (die Suche bleibt
    dabei nie leer)."""

    from sqlmodel import Session

    from community.db import session_scope
    from community.indexing.backend import IndexWriterTaken, claim_index_writer, get_backend
    from community.indexing.documents import all_documents, indexed_count
    from community.indexing.service import REINDEX
    from community.jobs.service import enqueue

    try:
        claim_index_writer()
    except IndexWriterTaken as exc:
        # A running worker owns the embedded index: it rebuilds it, as a job.
        for session in session_scope(_engine()):
            enqueue(session, REINDEX, {})
        console.print(
            t(
                "Der Suchindex wird von einem laufenden Worker geschrieben ({holder}); "
                "er baut ihn neu auf (Auftrag eingereiht)."
            ).format(holder=exc.holder),
            soft_wrap=True,
        )
        return
    started = time.perf_counter()
    with Session(_engine()) as session:
        total = indexed_count(session)
        # As indexing.service.reindex, with the documents counted on the way.
        count = get_backend().reindex(_counted(all_documents(session), total, t("Themen")))
    seconds = time.perf_counter() - started
    engine = get_backend().stats().get("engine")
    done = t("{count} Themen in {seconds} s neu indiziert ({engine}).")
    console.print(done.format(count=count, seconds=f"{seconds:.1f}", engine=engine))


@app.command()
def backup(
    output: Annotated[
        Path | None, typer.Option(help="Zieldatei; Vorgabe DATA_DIR/backups/<Zeit>")
    ] = None,
) -> None:
    """Die Datenbank im laufenden Betrieb sichern (pg_dump oder SQLites Online-Sicherung)."""
    from datetime import UTC, datetime

    from community.backup import BackupError
    from community.backup import backup as run

    engine = _engine()
    if output is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        suffix = "dump" if engine.dialect.name == "postgresql" else "sqlite3"
        output = get_settings().data_dir / "backups" / f"community-{stamp}.{suffix}"
    try:
        with _step(t("Sicherung nach {path}").format(path=output)):
            path = run(engine, output)
    except BackupError as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(1) from exc
    written = t("Sicherung geschrieben: {path} ({size} Bytes)")
    console.print(written.format(path=path, size=path.stat().st_size), soft_wrap=True)


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="Eine Datei von `community backup`")],
    yes: Annotated[bool, typer.Option("--yes", help="Ohne Rückfrage ersetzen")] = False,
) -> None:
    """Die Datenbank durch eine Sicherung ersetzen, dann den Suchindex neu aufbauen.
    Vorher die Anwendung anhalten."""
    from community.backup import BackupError
    from community.backup import restore as run

    if not yes:
        question = t("Alle Daten der Datenbank werden durch {path} ersetzt. Fortfahren?")
        typer.confirm(question.format(path=source), abort=True)
    try:
        with _step(t("Wiederherstellung aus {path} und neuer Suchindex").format(path=source)):
            run(_engine(), source)
    except BackupError as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(1) from exc
    console.print(t("Wiederhergestellt; der Suchindex ist neu aufgebaut."))


@app.command("recompute-counters")
def recompute_counters() -> None:
    """Zähler der Foren und Themen und Beitragszahlen der Mitglieder neu berechnen."""
    from community.db import session_scope
    from community.forum.counters import recompute_counters as run

    with _step(t("Zähler der Foren und Themen")):
        for session in session_scope(_engine()):
            n = run(session)
    console.print(t("{count} Themen nachgezählt.").format(count=n))


@app.command("recompute-reputation")
def recompute_reputation() -> None:
    """Punkte, Ränge und Kudos-Zähler aus Kudos, Beiträgen und Lösungen neu berechnen."""
    from community.db import session_scope
    from community.reputation.service import recompute_all

    with _step(t("Punkte, Ränge und Kudos")):
        for session in session_scope(_engine()):
            n = recompute_all(session)
    console.print(t("Ansehen von {count} Mitgliedern neu berechnet.").format(count=n))


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Fällige Aufträge erledigen, dann beenden")] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Nur prüfen, ob ein Worker kürzlich gemeldet hat (Healthcheck): 0 ja, 1 nein",
        ),
    ] = False,
) -> None:
    """Hintergrundaufträge ausführen (E-Mails, Webhooks, Suchindex)."""
    if check:
        _check_heartbeat()
        return
    from community import memory
    from community.indexing.backend import IndexWriterTaken, claim_index_writer
    from community.jobs.worker import Worker
    from community.requestlog import configure_logging

    memory.limit_arenas()
    configure_logging(get_settings())
    try:
        # As `serve`: the worker signs the unsubscribe links of the mails with the secret key
        get_settings().check_for_production()
        claim_index_writer()  # the worker writes the embedded index: one writer only
    except (RuntimeError, IndexWriterTaken) as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(2) from exc
    from community.db import get_engine

    w = Worker(get_engine())
    if once:
        console.print(t("{count} Aufträge erledigt.").format(count=w.run_until_empty()))
        return
    try:
        w.run_forever()
    except KeyboardInterrupt:
        w.stop()


def _check_heartbeat() -> None:
    from datetime import timedelta

    from sqlmodel import Session

    from community.clock import utcnow
    from community.jobs.heartbeat import last_beat

    seconds = get_settings().worker_heartbeat_max_age_seconds
    max_age = timedelta(seconds=seconds)
    with Session(_engine()) as session:
        beat = last_beat(session)
    if beat is None:
        console.print(t("Noch kein Worker hat gemeldet."))
        raise typer.Exit(1)
    if utcnow() - beat > max_age:
        silent = t("Kein Worker hat seit {seconds} s gemeldet (zuletzt: {beat}).")
        console.print(silent.format(seconds=seconds, beat=beat.isoformat(timespec="seconds")))
        raise typer.Exit(1)
    last = t("Worker meldete zuletzt {time}.")
    console.print(last.format(time=beat.isoformat(timespec="seconds")))


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Adresse, auf der das Forum lauscht")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    demo: Annotated[
        bool | None,
        typer.Option(
            help="Bei leerer Datenbank: Demo-Inhalte und ein Admin; Vorgabe: an, außer in "
            "COMMUNITY_ENVIRONMENT=production"
        ),
    ] = None,
    workers: Annotated[int, typer.Option(help="Anzahl der uvicorn-Prozesse")] = 1,
) -> None:
    """Das Forum starten. Im eingebetteten Standardbetrieb laufen die Migrationen und der
    Worker im Prozess."""
    import uvicorn

    from community.indexing.backend import claim_index_writer
    from community.migrate import upgrade

    settings = _links_to_this_server(host, port)
    try:
        settings.check_for_production()
        settings.check_search_for_processes(workers)
        _check_port_free(host, port)
        if workers == 1 and settings.worker_in_process:
            # Refused here, before migrating, rather than in the app's startup.
            claim_index_writer()
    except RuntimeError as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(2) from exc
    from community.requestlog import configure_logging

    configure_logging(settings)
    upgrade(_engine())
    if demo_on_first_start(demo, settings) and _is_empty():
        from community.demo import demo_admin_without_mail, seed_demo_content

        console.print(t("Leere Datenbank: Demo-Inhalte werden angelegt …"))
        seed_demo_content(_engine(), threads=60, seed=1, progress=t("Themen"))
        password, _ = _create_admin("admin@example.com", "Admin-Team", None)
        demo_admin_without_mail(_engine(), "admin@example.com")
        console.rule(t("Admin-Zugang"))
        console.print(t("E-Mail:   {address}").format(address="admin@example.com"))
        console.print(
            t("Passwort: {secret}  (wird nur dieses eine Mal angezeigt)").format(
                secret=f"[bold]{password}[/bold]"
            ),
            soft_wrap=True,
        )
        console.rule()
    if settings.log_format == "json":
        # One JSON object per line on the log's stream: a collector reading it would trip
        # over a plain line.
        logging.getLogger("community").info("Forum läuft auf http://%s:%s", host, port)
    else:
        console.print(t("Forum läuft auf {url}").format(url=f"[bold]http://{host}:{port}[/bold]"))
    if workers > 1:
        _supervise(host, port, workers)
    else:
        from community.app import create_app
        from community.supervisor import SERVER_OPTIONS

        uvicorn.run(create_app(settings), host=host, port=port, **SERVER_OPTIONS)


def _check_port_free(host: str, port: int) -> None:
    """Refused before anything starts: uvicorn found a port in use only after the migrations,
    the worker and the warm-up had run, and left with exit code 3."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            message = t("{host}:{port} ist schon belegt oder nicht verfügbar ({reason}).")
            raise RuntimeError(
                message.format(host=host, port=port, reason=exc.strerror or exc)
            ) from exc


def demo_on_first_start(demo: bool | None, settings: Settings) -> bool:
    """As asked, else on except in production: a production forum starts empty, with no
    demo members and no admin@example.com whose password is in the log (`create-admin`
    makes its first admin)."""
    return demo if demo is not None else settings.environment != "production"


def _supervise(host: str, port: int, workers: int) -> None:
    """Become uvicorn's supervisor of `workers` app processes (community/supervisor.py)."""
    sys.stdout.flush()
    sys.stderr.flush()
    args = ["-m", "community.supervisor", host, str(port), str(workers)]
    os.execv(sys.executable, [sys.executable, *args])  # noqa: S606 - our own interpreter


def _links_to_this_server(host: str, port: int) -> Settings:
    """Without COMMUNITY_PUBLIC_URL (environment or .env), links in mails, canonical URLs
    and JSON-LD point to the address this server listens on, not to the default port. Set
    in the environment, so the worker inside and uvicorn's worker processes see it too."""
    if "public_url" in get_settings().model_fields_set:
        return get_settings()
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104
    shown = f"[{shown}]" if ":" in shown else shown
    os.environ["COMMUNITY_PUBLIC_URL"] = f"http://{shown}:{port}"
    get_settings.cache_clear()
    return get_settings()


def _is_empty() -> bool:
    from sqlalchemy import func, select
    from sqlmodel import Session

    from community.accounts.models import User

    with Session(_engine()) as session:
        return session.execute(select(func.count(User.id))).scalar_one() == 0  # type: ignore[arg-type]


class FaqFormat(StrEnum):
    json = "json"
    csv = "csv"
    jsonld = "jsonld"


@app.command("export-faq")
def export_faq(
    format: Annotated[FaqFormat, typer.Option(help="Ausgabeformat")] = FaqFormat.json,
    group: Annotated[
        list[str] | None,
        typer.Option(help="Auch Einträge einer geschlossenen Gruppe (mehrfach)"),
    ] = None,
    updated_since: Annotated[
        str | None, typer.Option(help="Ein Cursor aus einem früheren Export")
    ] = None,
    output: Annotated[
        typer.FileTextWrite, typer.Option(help="Datei; Vorgabe: Standardausgabe")
    ] = "-",  # type: ignore[assignment]
) -> None:
    """Der FAQ-Export wie GET /api/v1/faq (öffentliche Foren; --group für geschlossene)."""
    import json

    from sqlmodel import Session

    from community.accounts.models import GROUP_FAQ_SCOPE
    from community.accounts.viewer import Viewer
    from community.errors import CommunityError
    from community.faq import formats
    from community.faq import service as faq

    scopes = frozenset({"faq:read", *(f"{GROUP_FAQ_SCOPE}{g}" for g in group or [])})
    viewer = Viewer(token_scopes=scopes)
    items: list[faq.ExportItem] = []
    cursor = updated_since
    try:
        with Session(_engine()) as session:
            while True:
                batch, after = faq.export(session, viewer, updated_since=cursor, limit=500)
                items.extend(batch)
                steps.print("… " + t("{count} FAQ-Einträge gelesen").format(count=len(items)))
                if after == cursor:  # nothing newer
                    break
                cursor = after
    except CommunityError as exc:
        console.print(f"[red]{translate(exc.message, _lang)}[/red]")
        raise typer.Exit(1) from exc
    if format is not FaqFormat.json and cursor:
        # JSON carries it; for the others on stderr, as the API sends it in X-Next-Cursor
        steps.print(t("Nächster Cursor: {cursor}").format(cursor=cursor), soft_wrap=True)
    if format is FaqFormat.csv:
        output.write(formats.as_csv(items))
    elif format is FaqFormat.jsonld:
        output.write(json.dumps(formats.as_jsonld(items), ensure_ascii=False, indent=2) + "\n")
    else:
        body = {"items": [formats.item_json(i) for i in items], "next_cursor": cursor}
        output.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
