"""A real OpenID provider for the sign-in tests: the npm package oidc-provider (a certified
implementation), started by `node tests/sso/provider.mjs` on a loopback port with a test
client and accounts. Install it with `npm ci --prefix tests/sso` (.ci/run and
scripts/test.sh do). `rotate()` restarts it on the same port with a new signing key (and
changed claims): a key rotation as the forum sees it.

`browse_provider` plays the member's browser at the provider: it follows the redirects and
fills in the provider's own login page, and returns the URL it sends the browser back to."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest
from joserfc.jwk import RSAKey

from community.accounts import oidc
from community.config import OidcProvider, OidcRule
from tests.browser.conftest import live_server, new_page  # noqa: F401

HERE = Path(__file__).parent
FORUM = "http://testserver"
CLIENT_ID = "forum"
CLIENT_SECRET = "forum-test-secret-0123456789"

# The provider's view of its customers. The real name and address are canaries: they must
# never show up anywhere public in the forum.
CANARY_NAME = "Kanarienvogel Erika"
CANARY_EMAIL = "erika.kanarienvogel@kunde.example"
ACCOUNTS: dict[str, dict[str, Any]] = {
    "erika": {
        "name": CANARY_NAME,
        "email": CANARY_EMAIL,
        "email_verified": True,
        "company": "Kanarien Maschinenbau GmbH",
        "contract_tier": "premium",
        "groups": ["kunden"],
    },
    "otto": {
        "name": "Otto Bestandskunde",
        "email": "otto@kunde.example",
        "email_verified": True,
        "contract_tier": "basic",
    },
    # Someone who typed Otto's address at the provider, which did not check it
    "mallory": {
        "name": "Mallory",
        "email": "otto@kunde.example",
        "email_verified": False,
    },
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RealProvider:
    def __init__(self, workdir: Path) -> None:
        self.port = _free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.workdir = workdir
        self.accounts = json.loads(json.dumps(ACCOUNTS))
        self.kid = ""
        self.forums = [FORUM]
        # Where its back-channel logout tokens go instead of the last forum (a test's receiver).
        self.logout_receiver: str | None = None
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        self.kid = f"key-{time.monotonic_ns()}"
        key = RSAKey.generate_key(2048, parameters={"kid": self.kid, "use": "sig"}, private=True)
        config = {
            "issuer": self.issuer,
            "port": self.port,
            "jwks": {"keys": [key.as_dict(private=True)]},
            "accounts": self.accounts,
            "clients": [
                {
                    "client_id": CLIENT_ID,
                    "client_secret": CLIENT_SECRET,
                    "redirect_uris": [f"{forum}/sso/kunden/callback" for forum in self.forums],
                    "post_logout_redirect_uris": [f"{forum}/" for forum in self.forums],
                    # One per client: the forum served last (a live server in a browser test).
                    "backchannel_logout_uri": self.logout_receiver
                    or f"{self.forums[-1]}/sso/kunden/backchannel-logout",
                    # The ID and logout tokens name the provider's session (`sid`).
                    "backchannel_logout_session_required": True,
                    "grant_types": ["authorization_code"],
                    "response_types": ["code"],
                    "token_endpoint_auth_method": "client_secret_basic",
                }
            ],
        }
        path = self.workdir / "provider.json"
        path.write_text(json.dumps(config))
        self.process = subprocess.Popen(
            ["node", str(HERE / "provider.mjs"), str(path)],
            stdout=subprocess.PIPE,
            # Its warnings (in-memory adapter, development interactions) go to a file.
            stderr=(self.workdir / "provider.log").open("a"),
            text=True,
            cwd=HERE,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.stop()
            log = (self.workdir / "provider.log").read_text()
            raise RuntimeError(f"oidc-provider did not start: {line} {log}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def rotate(self, **claims: Any) -> None:
        """Restart with a new signing key; `claims` change the account erika's claims."""
        self.stop()
        self.accounts["erika"].update(claims)
        self.start()

    def reset(self) -> None:
        """The accounts as ACCOUNTS says, for the next test (after a rotation changed them)."""
        if self.accounts != ACCOUNTS or self.logout_receiver:
            self.stop()
            self.accounts = json.loads(json.dumps(ACCOUNTS))
            self.logout_receiver = None
            self.start()

    def send_logouts_to(self, url: str) -> None:
        """Post the back-channel logout tokens to `url` (a restart: a new key as well)."""
        self.logout_receiver = url
        self.rotate()

    def serve_forum(self, base: str) -> None:
        """Accept a live server's callback too (a restart, so a new key as well)."""
        if base not in self.forums:
            self.forums.append(base)
            self.rotate()


@pytest.fixture(scope="session")
def real_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RealProvider]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed (the OpenID provider of these tests runs on Node)")
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        if shutil.which("npm") is None:
            pytest.skip("npm is not installed (needed for `npm ci --prefix tests/sso`)")
        subprocess.run(
            ["npm", "ci", "--prefix", str(HERE), "--silent", "--no-audit", "--no-fund"],
            check=True,
        )
    provider = RealProvider(tmp_path_factory.mktemp("oidc-provider"))
    provider.start()
    yield provider
    provider.stop()


def kunden_config(issuer: str, **overrides: Any) -> OidcProvider:
    fields: dict[str, Any] = {
        "name": "kunden",
        "issuer": issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "button_de": "Mit Kundenkonto anmelden",
        "button_en": "Sign in with your customer account",
        "label_de": "Kundenkonto",
        "label_en": "customer account",
        "rules": [
            OidcRule(claim="contract_tier", value="premium", group="premium-kunden"),
            OidcRule(claim="groups", value="forum-mods", role="moderator"),
        ],
    }
    return OidcProvider(**(fields | overrides))


@pytest.fixture
def use_providers(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Configure providers for one test; the caches start and end empty."""
    oidc.reset_caches()

    def configure(*providers: OidcProvider) -> None:
        monkeypatch.setattr(settings, "oidc_providers", list(providers))

    yield configure
    oidc.reset_caches()


@pytest.fixture
def kunden(real_provider: RealProvider, use_providers: Any) -> Iterator[RealProvider]:
    use_providers(kunden_config(real_provider.issuer))
    yield real_provider
    real_provider.reset()


_FORM = re.compile(r'<form[^>]*action="([^"]+)"', re.IGNORECASE)
_HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', re.I)


def browse_provider(url: str, login: str, client: httpx.Client | None = None) -> str:
    """The member at the provider: from its authorization URL through its login page, up
    to the redirect back to the forum, whose URL is returned."""
    own = client or httpx.Client(timeout=10)
    try:
        response = own.get(url)
        for _ in range(12):
            if response.is_redirect:
                target = urljoin(str(response.url), response.headers["location"])
                if target.startswith(FORUM):
                    return target
                response = own.get(target)
                continue
            assert response.status_code == 200, response.text[:500]
            action = _FORM.search(response.text)
            assert action is not None, response.text[:500]
            data = dict(_HIDDEN.findall(response.text))
            if 'name="login"' in response.text:
                data |= {"login": login, "password": "any"}
            response = own.post(urljoin(str(response.url), action.group(1)), data=data)
        raise AssertionError("the provider never sent the browser back")
    finally:
        if client is None:
            own.close()
