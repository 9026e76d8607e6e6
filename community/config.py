"""Settings read from the environment (prefix COMMUNITY_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 - refused outside development


class OidcRule(BaseModel):
    """A claim's value that puts a member into a closed group (slug) or gives a role."""

    claim: str
    value: str
    group: str | None = None
    role: Literal["member", "expert", "moderator", "admin"] | None = None


class OidcProvider(BaseModel):
    """One OpenID provider (README: Sign-in with a company login)."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,29}$", description="In the URLs /sso/NAME/")
    issuer: str
    client_id: str
    client_secret: str = ""
    scopes: str = "openid email profile"
    button_de: str
    button_en: str = ""
    # The login's name inside a sentence and in the member's settings ("Kundenkonto"):
    # a button's text reads wrong there. The button's text when not given.
    label_de: str = ""
    label_en: str = ""
    # A staff directory: whoever signs in through it is staff, their role from the rules.
    staff: bool = False
    claim_name: str = "name"
    claim_company: str = "company"
    claim_email: str = "email"
    rules: list[OidcRule] = Field(default_factory=list)
    token_auth: Literal["client_secret_basic", "client_secret_post"] = "client_secret_basic"  # noqa: S105 - a method's name, not a secret


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMMUNITY_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    site_name: str = "Business-Community"
    data_dir: Path = Path("./data")
    database_url: str | None = None
    secret_key: str = DEV_SECRET_KEY
    public_url: str = "http://127.0.0.1:8000"
    # Sent as Strict-Transport-Security when public_url is https; 0 turns it off.
    hsts_max_age_seconds: int = 31_536_000
    # None: API docs on, except in production (served by the forum itself, no CDN; off there
    # so that a production forum does not advertise its API unless asked).
    api_docs: bool | None = None
    meili_url: str | None = None
    meili_key: str | None = None
    meili_index: str = "threads"
    search_synonyms_file: Path | None = Field(default=None, description="JSON synonym lists")
    smtp_url: str | None = None
    mail_from: str = "community@localhost"
    redis_url: str | None = None
    # The page cache of anonymous readers (community/web/pagecache.py): per app process.
    page_cache: bool = True
    page_cache_mib: float = Field(
        default=16.0, ge=0, description="Memory for cached pages, per app process"
    )
    page_cache_seconds: float = Field(
        default=60.0,
        ge=0,
        description="Longest a cached page is served (bounds the lag of view counts)",
    )
    # Bounds on every wait for the database (community/db.py), so that an unreachable or
    # hung database answers 503 within seconds instead of holding requests for minutes.
    db_connect_timeout: float = Field(default=3.0, gt=0, description="Seconds to connect")
    db_pool_timeout: float = Field(
        default=3.0, gt=0, description="Seconds to wait for a free pooled connection"
    )
    db_statement_timeout: float = Field(
        default=5.0,
        ge=0,
        description="Seconds a statement of `serve` or `worker` may run (PostgreSQL) or wait "
        "for a lock (SQLite); 0: no limit. Other commands (migrate, seed-demo, backup ...) "
        "run without it",
    )
    # Legal pages: an external URL each, or the built-in placeholder page.
    impressum_url: str | None = None
    privacy_url: str | None = None
    terms_url: str | None = None
    # Staff posts show "Anna K." beside the nickname; admins may switch it at /admin/legal.
    staff_show_name: bool = True

    # Sessions
    session_cookie: str = "community_session"
    csrf_cookie: str = "community_csrf"
    session_days: int = 30

    # Sign-in with OpenID Connect providers (community/accounts/oidc.py): a JSON list of
    # OidcProvider; none by default.
    oidc_providers: list[OidcProvider] = Field(default_factory=list)
    oidc_timeout_seconds: float = Field(default=5.0, gt=0)
    # Members sign in through a provider only; admins keep the password login (break glass
    # when the provider is down). Registration with a password is closed then.
    password_login_admins_only: bool = False

    # Abuse limits
    login_rate: str = "6/minute"
    # Per account, whatever the address: after this many wrong passwords each further
    # attempt waits twice as long as the one before, up to the maximum (no long lockout).
    # Reports by visitors (no account): per address and per post.
    visitor_report_rate: str = "5/hour;20/day"
    visitor_report_post_rate: str = "10/day"
    # @mention suggestions while typing, per member.
    mention_suggest_rate: str = "60/minute"
    login_account_free_attempts: int = 5
    login_account_max_delay_seconds: int = 300
    register_rate: str = Field(
        default="10/hour", description="Registrations per IP; several as '10/hour;20/day'"
    )
    max_body_bytes: int = 1_000_000

    # Anti-spam on new threads and replies (community/moderation/antispam.py); an interval
    # or window of 0 is off. Staff are exempt from the intervals and the new-member limits.
    antispam_enabled: bool = True
    reply_interval_seconds: int = Field(default=5, ge=0)
    thread_interval_seconds: int = Field(default=15, ge=0)
    new_member_hours: int = Field(
        default=24, ge=0, description="Accounts younger than this (or unverified) are new"
    )
    new_member_reply_interval_seconds: int = Field(default=30, ge=0)
    new_member_thread_interval_seconds: int = Field(default=120, ge=0)
    new_member_max_links: int = Field(default=2, ge=0, description="Links per post")
    new_member_first_day_threads: int = Field(
        default=3, ge=0, description="Threads in an account's first new_member_hours"
    )
    duplicate_window_seconds: int = Field(
        default=300, ge=0, description="The same text twice within this is refused"
    )

    # Reputation: points for what helps others (see community/reputation/)
    points_solution: int = 15
    points_kudos: int = 4
    points_reply: int = 1
    points_question: int = 1
    # Ideas (community/ideas/): proposing one, and the author's points when it is implemented
    points_idea: int = 1
    points_idea_done: int = 10
    kudos_daily_pair_cap: int = Field(
        default=5, description="Kudos between the same two members that count per day"
    )
    ranks_file: Path | None = Field(default=None, description="JSON rank ladder")
    leaderboard_staff: Literal["exclude", "separate"] = "exclude"
    # A question without a reply from someone else after this long counts as unanswered:
    # it goes to the experts' queue (community/notifications/, a board's own
    # unanswered_after_hours wins) and into the statistics (community/insights/).
    unanswered_hours: int = Field(default=4, ge=1, le=24 * 365)

    # Start-up: one request to each public page before the first visitor's (community/warmup.py)
    warm_up: bool = Field(default=True, description="Warm up the pages at start-up")

    # The worker
    run_worker_in_process: bool | None = Field(
        default=None, description="Run the job worker inside `serve`; default: on for SQLite"
    )
    job_stall_seconds: int = Field(
        default=45,
        ge=1,
        description="A running job whose worker renewed no lease for this long is taken over "
        "(a live worker renews its leases every 10 s, also during a long job)",
    )
    job_max_attempts: int = 8

    # Webhooks and FAQ (community/webhooks/, community/faq/)
    webhooks_allow_private: bool = Field(
        default=False, description="Allow http:// and private addresses (development, tests)"
    )
    webhooks_timeout_seconds: float = 15.0
    webhooks_disable_after_days: int = 5
    faq_four_eyes: bool = Field(
        default=True, description="Whoever last edited an FAQ entry cannot publish it"
    )

    # Moderation (community/moderation/)
    premoderation_first_posts: int = Field(
        default=0,
        ge=0,
        le=1000,
        description="A new member's first N posts wait for a moderator's approval; 0: off. "
        "The admin API's value wins over it.",
    )

    # Production (README "Production", docs/deployment.md): checks at start, readiness, metrics
    allow_sqlite_in_production: bool = Field(
        default=False, description="Run production on the SQLite file (one process only)"
    )
    worker_heartbeat_max_age_seconds: int = Field(
        default=120, description="/readyz fails when no worker reported for this long"
    )
    metrics_token: str | None = Field(
        default=None, description="Bearer token for /metrics; unset: /metrics answers 404"
    )
    log_format: Literal["text", "json"] = "text"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            # postgres:// is libpq's and many hosting panels' spelling; SQLAlchemy knows
            # only postgresql://.
            if self.database_url.startswith("postgres://"):
                return "postgresql://" + self.database_url.removeprefix("postgres://")
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'community.sqlite3').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def api_docs_enabled(self) -> bool:
        """/docs and /redoc (Swagger UI, ReDoc, served offline): off in production unless
        COMMUNITY_API_DOCS says otherwise (/openapi.json stays)."""
        if self.api_docs is not None:
            return self.api_docs
        return self.environment != "production"

    @property
    def hsts_max_age(self) -> int:
        """Strict-Transport-Security only where the forum is served over https."""
        return self.hsts_max_age_seconds if self.public_url.startswith("https://") else 0

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    def production_problems(self) -> list[str]:
        """What makes this configuration unfit for production (empty outside production)."""
        if self.environment != "production":
            return []
        problems = []
        # A secret anyone can read in the source (or a trivially short one) forges sessions.
        if self.secret_key == DEV_SECRET_KEY or len(self.secret_key.strip()) < 32:
            problems.append(
                "COMMUNITY_SECRET_KEY must be set to a random value of at least 32 characters "
                "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`)"
            )
        # Over http the session cookie travels in clear text and is not marked Secure.
        if not self.public_url.startswith("https://"):
            problems.append(
                f"COMMUNITY_PUBLIC_URL must start with https:// (is {self.public_url!r})"
            )
        if self.is_sqlite and not self.allow_sqlite_in_production:
            problems.append(
                "COMMUNITY_DATABASE_URL must point to PostgreSQL in production "
                "(or set COMMUNITY_ALLOW_SQLITE_IN_PRODUCTION=true for a single process)"
            )
        return problems

    def check_for_production(self) -> None:
        """Refuse to start a production server on settings that would put users at risk."""
        problems = self.production_problems()
        if problems:
            raise RuntimeError("Refusing to start in production:\n- " + "\n- ".join(problems))

    @property
    def worker_in_process(self) -> bool:
        """Whether `serve` runs the job worker inside: as set, else on SQLite outside tests."""
        if self.run_worker_in_process is not None:
            return self.run_worker_in_process
        return self.is_sqlite and self.environment != "test"

    def check_search_for_processes(self, processes: int) -> None:
        """The embedded index has one writer, the process that runs the job worker. Several
        app processes may read it, but not each run a worker beside: that needs Meilisearch."""
        if processes > 1 and not self.meili_url and self.worker_in_process:
            raise RuntimeError(
                f"{processes} app processes would each run the job worker and write the "
                "embedded search index, which takes one writer only: set COMMUNITY_MEILI_URL "
                "to a Meilisearch server, or run the job worker apart "
                "(COMMUNITY_RUN_WORKER_IN_PROCESS=false and a single `community worker`), "
                "or run one process"
            )


@lru_cache
def get_settings() -> Settings:
    return Settings()


class MissingExtra(RuntimeError):
    """A configured backend whose client library is not installed."""


def require_client(module: str, extra: str, setting: str) -> None:
    """PostgreSQL, Redis and Meilisearch clients are optional extras (the embedded default
    needs none of them): name the extra to install where one is configured but missing."""
    import importlib

    try:
        importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtra(
            f"{setting} is set, but the Python package {module!r} is missing: "
            f"install the extra with  pip install 'community[{extra}]'"
        ) from exc
