"""Settings read from the environment (prefix COMMUNITY_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 - refused outside development


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMMUNITY_", env_file=".env", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    site_name: str = "Business-Community"
    data_dir: Path = Path("./data")
    database_url: str | None = None
    secret_key: str = DEV_SECRET_KEY
    public_url: str = "http://127.0.0.1:8000"
    meili_url: str | None = None
    meili_key: str | None = None
    meili_index: str = "threads"
    search_synonyms_file: Path | None = Field(default=None, description="JSON synonym lists")
    smtp_url: str | None = None
    mail_from: str = "community@localhost"
    redis_url: str | None = None
    # Legal pages: an external URL each, or the built-in placeholder page.
    impressum_url: str | None = None
    privacy_url: str | None = None
    terms_url: str | None = None

    # Sessions
    session_cookie: str = "community_session"
    csrf_cookie: str = "community_csrf"
    session_days: int = 30

    # Abuse limits
    login_rate: str = "6/minute"
    max_body_bytes: int = 1_000_000

    # Reputation: points for what helps others (see community/reputation/)
    points_solution: int = 15
    points_kudos: int = 4
    points_reply: int = 1
    points_question: int = 1
    kudos_daily_pair_cap: int = Field(
        default=5, description="Kudos between the same two members that count per day"
    )
    ranks_file: Path | None = Field(default=None, description="JSON rank ladder")
    leaderboard_staff: Literal["exclude", "separate"] = "exclude"

    # The worker
    run_worker_in_process: bool | None = Field(
        default=None, description="Run the job worker inside `serve`; default: on for SQLite"
    )
    job_stall_seconds: int = 300
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

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'community.sqlite3').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        return self.public_url.startswith("https://")

    def check_for_production(self) -> None:
        """Refuse to run a production server on a secret anyone can read in the source."""
        if self.environment == "production" and self.secret_key == DEV_SECRET_KEY:
            raise RuntimeError("COMMUNITY_SECRET_KEY must be set in production")


@lru_cache
def get_settings() -> Settings:
    return Settings()
