"""The `community` command."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from community.config import get_settings

app = typer.Typer(help="Business-Community: a forum for business customers.", no_args_is_help=True)
console = Console()


def _engine():  # type: ignore[no-untyped-def]
    # Commands may run long statements on purpose (migrations, seeding, backups); the
    # server and the worker use get_engine(), whose statements are bounded.
    from community.db import maintenance_engine

    return maintenance_engine()


@app.command()
def migrate() -> None:
    """Bring the database schema to the newest version (alembic upgrade head)."""
    from community.migrate import upgrade

    upgrade(_engine())
    console.print("[green]Datenbank ist auf dem neuesten Stand.[/green]")


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
    email: Annotated[str, typer.Option(help="Login e-mail of the admin")],
    nickname: Annotated[str, typer.Option(help="Public nickname")] = "Admin-Team",
    password: Annotated[
        str | None, typer.Option(help="Leave out to generate one, printed once")
    ] = None,
) -> None:
    """Create an administrator account (company staff)."""
    from community.errors import CommunityError

    try:
        password, generated = _create_admin(email, nickname, password)
    except CommunityError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"Admin [bold]{nickname}[/bold] <{email}> angelegt.")
    if generated:
        # soft_wrap: Rich must not break the secret across lines, or a copy of it fails.
        console.print(
            f"Passwort (wird nur dieses eine Mal angezeigt): [bold]{password}[/bold]",
            soft_wrap=True,
        )


@app.command("create-token")
def create_token(
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'CRM'")],
    scope: Annotated[list[str], typer.Option(help="faq:read, events:read, leads:read")],
) -> None:
    """Create an integration token for `Authorization: Bearer`; printed once."""
    from community.accounts import service as accounts
    from community.db import session_scope
    from community.errors import CommunityError

    try:
        for session in session_scope(_engine()):
            _token, raw = accounts.create_api_token(
                session, name=name, scopes=scope, created_by=None
            )
    except CommunityError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"Token (wird nur dieses eine Mal angezeigt): [bold]{raw}[/bold]", soft_wrap=True)


@app.command("seed-demo")
def seed_demo(
    threads: Annotated[int, typer.Option(help="How many threads to create")] = 60,
    seed: Annotated[int, typer.Option(help="Random seed, for repeatable content")] = 1,
) -> None:
    """Fill the forum with German demo boards, members, questions and replies."""
    from community.demo import seed_demo_content

    created = seed_demo_content(_engine(), threads=threads, seed=seed, progress=True)
    console.print(f"[green]{created} Themen angelegt.[/green]")
    console.print("Suchindex: `community reindex` nimmt die neuen Themen auf.")


@app.command()
def reindex() -> None:
    """Build a new search index from the database and swap it in (search never goes empty)."""
    import time

    from sqlmodel import Session

    from community.db import session_scope
    from community.indexing.backend import IndexWriterTaken, claim_index_writer, get_backend
    from community.indexing.service import REINDEX
    from community.indexing.service import reindex as run
    from community.jobs.service import enqueue

    try:
        claim_index_writer()
    except IndexWriterTaken as exc:
        # A running worker owns the embedded index: it rebuilds it, as a job.
        for session in session_scope(_engine()):
            enqueue(session, REINDEX, {})
        console.print(
            f"Der Suchindex wird von einem laufenden Worker geschrieben ({exc.holder}); "
            "er baut ihn neu auf (Auftrag eingereiht).",
            soft_wrap=True,
        )
        return
    started = time.perf_counter()
    with Session(_engine()) as session:
        count = run(session)
    seconds = time.perf_counter() - started
    engine = get_backend().stats().get("engine")
    console.print(f"{count} Themen in {seconds:.1f} s neu indiziert ({engine}).")


@app.command()
def backup(
    output: Annotated[
        Path | None, typer.Option(help="File to write; default DATA_DIR/backups/<time>")
    ] = None,
) -> None:
    """Back up the database while the forum runs (pg_dump, or SQLite's online backup)."""
    from datetime import UTC, datetime

    from community.backup import BackupError
    from community.backup import backup as run

    engine = _engine()
    if output is None:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        suffix = "dump" if engine.dialect.name == "postgresql" else "sqlite3"
        output = get_settings().data_dir / "backups" / f"community-{stamp}.{suffix}"
    try:
        path = run(engine, output)
    except BackupError as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(1) from exc
    console.print(f"Sicherung geschrieben: {path} ({path.stat().st_size} Bytes)", soft_wrap=True)


@app.command()
def restore(
    source: Annotated[Path, typer.Argument(help="A file `community backup` wrote")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before replacing")] = False,
) -> None:
    """Replace the database with a backup, then rebuild the search index. Stop the app first."""
    from community.backup import BackupError
    from community.backup import restore as run

    if not yes:
        typer.confirm(
            f"Alle Daten der Datenbank werden durch {source} ersetzt. Fortfahren?", abort=True
        )
    try:
        run(_engine(), source)
    except BackupError as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(1) from exc
    console.print("Wiederhergestellt; der Suchindex ist neu aufgebaut.")


@app.command("recompute-counters")
def recompute_counters() -> None:
    """Rebuild the counters kept on boards and threads from the posts."""
    from community.db import session_scope
    from community.forum.counters import recompute_counters as run

    for session in session_scope(_engine()):
        n = run(session)
    console.print(f"{n} Themen nachgezählt.")


@app.command("recompute-reputation")
def recompute_reputation() -> None:
    """Rebuild points, ranks and kudos counters from the kudos, posts and solutions."""
    from community.db import session_scope
    from community.reputation.service import recompute_all

    for session in session_scope(_engine()):
        n = recompute_all(session)
    console.print(f"Ansehen von {n} Mitgliedern neu berechnet.")


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run due jobs, then exit")] = False,
) -> None:
    """Run background jobs (mail, later webhooks and search updates)."""
    from community.indexing.backend import IndexWriterTaken, claim_index_writer
    from community.jobs.worker import Worker
    from community.requestlog import configure_logging

    configure_logging(get_settings())
    try:
        claim_index_writer()  # the worker writes the embedded index: one writer only
    except IndexWriterTaken as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(2) from exc
    from community.db import get_engine

    w = Worker(get_engine())
    if once:
        console.print(f"{w.run_until_empty()} Aufträge erledigt.")
        return
    try:
        w.run_forever()
    except KeyboardInterrupt:
        w.stop()


@app.command()
def serve(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
    demo: Annotated[
        bool, typer.Option(help="On an empty database: demo content and an admin")
    ] = True,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 1,
) -> None:
    """Start the forum. On the embedded default, migrations run and the worker runs inside."""
    import uvicorn

    from community.indexing.backend import claim_index_writer
    from community.migrate import upgrade

    settings = get_settings()
    try:
        settings.check_for_production()
        settings.check_search_for_processes(workers)
        if workers == 1 and settings.worker_in_process:
            # Refused here, before migrating, rather than in the app's startup.
            claim_index_writer()
    except RuntimeError as exc:
        console.print(f"[red]{exc}[/red]", soft_wrap=True)
        raise typer.Exit(2) from exc
    from community.requestlog import configure_logging

    configure_logging(settings)
    upgrade(_engine())
    if demo and _is_empty():
        from community.demo import seed_demo_content

        console.print("Leere Datenbank: Demo-Inhalte werden angelegt …")
        seed_demo_content(_engine(), threads=60, seed=1, progress=True)
        password, _ = _create_admin("admin@example.com", "Admin-Team", None)
        console.rule("Admin-Zugang")
        console.print("E-Mail:   admin@example.com")
        console.print(
            f"Passwort: [bold]{password}[/bold]  (wird nur dieses eine Mal angezeigt)",
            soft_wrap=True,
        )
        console.rule()
    console.print(f"Forum läuft auf [bold]http://{host}:{port}[/bold]")
    # Our own access line (community.access) names the route, not the path with its query
    # (which may hold a token); uvicorn's loggers go through our handler.
    quiet: dict[str, Any] = {"log_config": None, "access_log": False}
    if workers > 1:
        uvicorn.run("community.asgi:app", host=host, port=port, workers=workers, **quiet)
    else:
        from community.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, **quiet)


def _is_empty() -> bool:
    from sqlalchemy import func, select
    from sqlmodel import Session

    from community.accounts.models import User

    with Session(_engine()) as session:
        return session.execute(select(func.count(User.id))).scalar_one() == 0  # type: ignore[arg-type]


@app.command("export-faq")
def export_faq(
    format: Annotated[str, typer.Option(help="json, csv or jsonld")] = "json",
    group: Annotated[
        list[str] | None, typer.Option(help="Also a closed group's entries (repeatable)")
    ] = None,
    updated_since: Annotated[
        str | None, typer.Option(help="A cursor from an earlier export")
    ] = None,
    output: Annotated[typer.FileTextWrite, typer.Option(help="File; default stdout")] = "-",  # type: ignore[assignment]
) -> None:
    """The FAQ export, as GET /api/v1/faq gives it (public boards; --group for closed ones)."""
    import json

    from sqlmodel import Session

    from community.accounts.viewer import Viewer
    from community.errors import CommunityError
    from community.faq import formats
    from community.faq import service as faq

    if format not in ("json", "csv", "jsonld"):
        console.print("[red]--format: json, csv oder jsonld[/red]")
        raise typer.Exit(2)
    scopes = frozenset({"faq:read", *(f"{faq.GROUP_SCOPE}{g}" for g in group or [])})
    viewer = Viewer(token_scopes=scopes)
    items: list[faq.ExportItem] = []
    cursor = updated_since
    try:
        with Session(_engine()) as session:
            while True:
                batch, after = faq.export(session, viewer, updated_since=cursor, limit=500)
                items.extend(batch)
                if after == cursor:  # nothing newer
                    break
                cursor = after
    except CommunityError as exc:
        console.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from exc
    if format == "csv":
        output.write(formats.as_csv(items))
    elif format == "jsonld":
        output.write(json.dumps(formats.as_jsonld(items), ensure_ascii=False, indent=2) + "\n")
    else:
        body = {"items": [formats.item_json(i) for i in items], "next_cursor": cursor}
        output.write(json.dumps(body, ensure_ascii=False, indent=2) + "\n")
