"""The OpenID Connect protocol: discovery, keys, the Authorization Code flow with PKCE, and the
checks of ID and logout tokens (joserfc). Nothing here touches the database.

A provider that is down never stops the forum: its discovery document and keys are fetched
when first needed and then cached, and a failure is remembered for a short while, so the
login page can say so without asking the provider on every request. An ID token signed by a
key the cache does not know makes one fetch of the keys (the provider rotated them)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer

from community.config import OidcProvider, get_settings
from community.errors import CommunityError, NotFound, ServiceUnavailable
from community.i18n import N_

# httpx (which imports rich and pygments for its command line) and joserfc (with
# cryptography) are imported where a sign-in through a provider uses them: ~15 MiB that
# every process of a forum without OpenID providers would otherwise hold.
if TYPE_CHECKING:
    from joserfc import jwt
    from joserfc.jwk import KeySet

METADATA_SECONDS = 3600
# After a failed fetch the login page says "not reachable" for this long without asking again.
DOWN_SECONDS = 60
# Meanwhile a sign-in asks the provider again after this long, one request at a time: the
# forum notices a provider that is back within seconds (it answered 503 for a minute),
# and while it is down, not every sign-in waits out the timeout.
RETRY_SECONDS = 10
# A logout token anyone can post: an unknown key id refetches the keys at most this often.
KEY_REFETCH_SECONDS = 30
LEEWAY_SECONDS = 60
FLOW_SECONDS = 600
# A logout token older than this is refused; its jti is remembered as long (replay).
LOGOUT_TOKEN_SECONDS = 300
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"

UNREACHABLE = N_(
    "Die Anmeldung über das Firmenkonto ist gerade nicht erreichbar. Bitte versuchen Sie es "
    "später noch einmal."
)
REFUSED = N_("Die Anmeldung wurde abgelehnt: Die Antwort des Anmeldedienstes ist ungültig.")
REFUSED_SIGNATURE = N_(
    "Die Anmeldung wurde abgelehnt: Die Signatur der Antwort des Anmeldedienstes stimmt nicht."
)
REFUSED_EXPIRED = N_(
    "Die Anmeldung wurde abgelehnt: Die Antwort des Anmeldedienstes ist abgelaufen."
)
REFUSED_AUDIENCE = N_(
    "Die Anmeldung wurde abgelehnt: Die Antwort des Anmeldedienstes war nicht für dieses Forum "
    "bestimmt."
)
REFUSED_NONCE = N_(
    "Die Anmeldung wurde abgelehnt: Die Antwort gehört nicht zu dieser Anmeldung. Bitte "
    "versuchen Sie es noch einmal."
)
EXPIRED_FLOW = N_(
    "Die Anmeldung ist abgelaufen oder wurde in einem anderen Fenster begonnen. Bitte versuchen "
    "Sie es noch einmal."
)
CANCELLED = N_("Die Anmeldung wurde beim Anmeldedienst abgebrochen. Sie wurden nicht angemeldet.")
NOT_FRESH = N_(
    "Die Bestätigung wurde abgelehnt: Der Anmeldedienst hat keine neue Anmeldung verlangt. "
    "Bitte bestätigen Sie mit Ihrem Passwort."
)


class ProviderDown(ServiceUnavailable):
    code = "sso_unavailable"


class SignInRefused(CommunityError):
    status_code = 400
    code = "sso_refused"


@dataclass
class _Cached:
    at: float
    value: Any


_lock = threading.Lock()
_metadata: dict[str, _Cached] = {}
_keys: dict[str, _Cached] = {}
_down_since: dict[str, float] = {}
_probing: set[str] = set()


def reset_caches() -> None:
    with _lock:
        _metadata.clear()
        _keys.clear()
        _down_since.clear()
        _probing.clear()


def providers() -> list[OidcProvider]:
    return get_settings().oidc_providers


def get_provider(name: str) -> OidcProvider:
    for provider in providers():
        if provider.name == name:
            return provider
    raise NotFound(N_("Diesen Anmeldedienst gibt es nicht."))


def button_text(provider: OidcProvider, locale: str) -> str:
    return provider.button_en if locale == "en" and provider.button_en else provider.button_de


def label(provider: OidcProvider, locale: str) -> str:
    """The login's name as a sentence or the settings list names it."""
    own = provider.label_en if locale == "en" else provider.label_de
    return own or button_text(provider, locale)


def is_known_down(provider: OidcProvider) -> bool:
    """Whether the last attempt to reach the provider failed recently (no network call)."""
    since = _down_since.get(provider.name)
    return since is not None and time.monotonic() - since < DOWN_SECONDS


def _get_json(url: str, **kwargs: Any) -> dict[str, Any]:
    import httpx

    response = httpx.get(url, timeout=get_settings().oidc_timeout_seconds, **kwargs)
    response.raise_for_status()
    data = response.json()
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def metadata(provider: OidcProvider) -> dict[str, Any]:
    """The discovery document, cached; ProviderDown when it cannot be fetched."""
    cached = _metadata.get(provider.name)
    if cached is not None and time.monotonic() - cached.at < METADATA_SECONDS:
        return dict(cached.value)
    may, probing = _may_ask(provider) if cached is None else (True, False)
    if not may:
        raise ProviderDown(UNREACHABLE)
    url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
    import httpx

    try:
        data = _get_json(url)
        # OpenID Connect Discovery 4.3: the document must name the issuer it was fetched for.
        if data.get("issuer") != provider.issuer:
            raise ValueError("issuer mismatch")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(data.get(key), str):
                raise ValueError(f"no {key}")
    except (httpx.HTTPError, ValueError):
        if cached is not None:
            return dict(cached.value)  # an old document beats none
        _down_since[provider.name] = time.monotonic()
        raise ProviderDown(UNREACHABLE) from None
    finally:
        if probing:
            with _lock:
                _probing.discard(provider.name)
    with _lock:
        _metadata[provider.name] = _Cached(time.monotonic(), data)
        _down_since.pop(provider.name, None)
    return data


def _may_ask(provider: OidcProvider) -> tuple[bool, bool]:
    """Whether to fetch the discovery document now, and whether this request is the probe:
    always while the provider is not known to be down; else once RETRY_SECONDS have passed
    since the last failure, by one request (the probe) while the others are answered 503
    at once."""
    with _lock:
        since = _down_since.get(provider.name)
        now = time.monotonic()
        if since is None or now - since >= DOWN_SECONDS:
            return True, False
        if now - since < RETRY_SECONDS or provider.name in _probing:
            return False, False
        _probing.add(provider.name)
        return True, True


def _key_set(provider: OidcProvider, kid: str | None, *, may_refetch: bool) -> KeySet:
    import httpx
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    cached = _keys.get(provider.name)
    if cached is not None:
        known = {key.kid for key in cached.value.keys}
        if kid is None or kid in known:
            return cached.value
        if not may_refetch and time.monotonic() - cached.at < KEY_REFETCH_SECONDS:
            return cached.value
    try:
        key_set = KeySet.import_key_set(_get_json(metadata(provider)["jwks_uri"]))  # type: ignore[arg-type]
    except (httpx.HTTPError, ValueError, JoseError):
        raise ProviderDown(UNREACHABLE) from None
    with _lock:
        _keys[provider.name] = _Cached(time.monotonic(), key_set)
    return key_set


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(frozen=True)
class Flow:
    """What the browser carries (signed) from the start of a sign-in to its callback."""

    provider: str
    state: str
    nonce: str
    verifier: str
    next: str
    # "login", or "reauth": a signed-in member proves the account again (fresh sign-in).
    purpose: str = "login"
    user_id: int | None = None
    started_at: int = 0


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt=salt)


def pack(data: dict[str, Any], salt: str) -> str:
    return _serializer(salt).dumps(data)


def unpack(raw: str | None, salt: str, max_age: int) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        data = _serializer(salt).loads(raw, max_age=max_age)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def redirect_uri(provider: OidcProvider) -> str:
    return f"{get_settings().public_url.rstrip('/')}/sso/{provider.name}/callback"


def start(
    provider: OidcProvider, next_path: str, *, purpose: str = "login", user_id: int | None = None
) -> tuple[str, Flow]:
    """The provider's authorization URL and the flow to keep in the browser."""
    endpoint = metadata(provider)["authorization_endpoint"]
    flow = Flow(
        provider=provider.name,
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        verifier=secrets.token_urlsafe(48),
        next=next_path,
        purpose=purpose,
        user_id=user_id,
        started_at=int(time.time()),
    )
    challenge = _b64(hashlib.sha256(flow.verifier.encode()).digest())
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri(provider),
        "scope": provider.scopes,
        "state": flow.state,
        "nonce": flow.nonce,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if purpose == "reauth":
        # A proof must be a new sign-in, not the provider's remembered session (Core 3.1.2.1);
        # with max_age the ID token must carry auth_time, which finish() checks.
        params |= {"prompt": "login", "max_age": "0"}
    query = urlencode(params)
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{query}", flow


def _exchange(provider: OidcProvider, code: str, verifier: str) -> dict[str, Any]:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri(provider),
        "code_verifier": verifier,
    }
    auth: tuple[str, str] | None = None
    if provider.token_auth == "client_secret_post":  # noqa: S105 - a method's name
        form |= {"client_id": provider.client_id, "client_secret": provider.client_secret}
    else:
        auth = (provider.client_id, provider.client_secret)
    import httpx

    try:
        response = httpx.post(
            metadata(provider)["token_endpoint"],
            data=form,
            auth=auth,
            headers={"Accept": "application/json"},
            timeout=get_settings().oidc_timeout_seconds,
        )
    except httpx.HTTPError:
        raise ProviderDown(UNREACHABLE) from None
    if response.status_code >= 500:
        raise ProviderDown(UNREACHABLE)
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code != 200 or not isinstance(data, dict):
        raise SignInRefused(REFUSED)
    return data


def _decode(provider: OidcProvider, token: str, *, may_refetch: bool) -> dict[str, Any]:
    """The token's claims once its signature holds; SignInRefused otherwise."""
    from joserfc import jws, jwt
    from joserfc.errors import BadSignatureError, JoseError

    try:
        header = jws.extract_compact(token.encode()).headers()
    except (JoseError, ValueError):
        raise SignInRefused(REFUSED) from None
    kid = header.get("kid")
    key_set = _key_set(provider, kid, may_refetch=may_refetch)
    try:
        return dict(jwt.decode(token, key_set, algorithms=ALGORITHMS).claims)
    except BadSignatureError:
        raise SignInRefused(REFUSED_SIGNATURE) from None
    except (JoseError, ValueError):
        # An unknown key id, an algorithm not allowed, a token that does not parse.
        raise SignInRefused(REFUSED_SIGNATURE) from None


def _check_claims(claims: dict[str, Any], registry: jwt.JWTClaimsRegistry) -> None:
    from joserfc.errors import ExpiredTokenError, InvalidClaimError, JoseError, MissingClaimError

    try:
        registry.validate(claims)
    except ExpiredTokenError:
        raise SignInRefused(REFUSED_EXPIRED) from None
    except (InvalidClaimError, MissingClaimError) as exc:
        claim = getattr(exc, "claim", "")
        if claim in ("aud", "iss"):
            raise SignInRefused(REFUSED_AUDIENCE) from None
        if claim == "nonce":
            raise SignInRefused(REFUSED_NONCE) from None
        raise SignInRefused(REFUSED) from None
    except JoseError:
        raise SignInRefused(REFUSED) from None


def _check_audience(provider: OidcProvider, claims: dict[str, Any]) -> None:
    # Core 3.1.3.7: with several audiences the token must name this client as its party.
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != provider.client_id:
        raise SignInRefused(REFUSED_AUDIENCE)


def validate_id_token(provider: OidcProvider, token: str, nonce: str) -> dict[str, Any]:
    from joserfc import jwt

    claims = _decode(provider, token, may_refetch=True)
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    _check_claims(claims, registry)
    _check_audience(provider, claims)
    return claims


def finish(provider: OidcProvider, flow: Flow, code: str) -> dict[str, Any]:
    """The member's claims after the code exchange: the ID token's, with the userinfo
    endpoint's where it has one. The tokens themselves are dropped here."""
    tokens = _exchange(provider, code, flow.verifier)
    id_token = tokens.get("id_token")
    if not isinstance(id_token, str):
        raise SignInRefused(REFUSED)
    claims = validate_id_token(provider, id_token, flow.nonce)
    if flow.purpose == "reauth":
        # The member signed in at the provider after this flow began, not before.
        auth_time = claims.get("auth_time")
        if not isinstance(auth_time, int) or auth_time < flow.started_at - LEEWAY_SECONDS:
            raise SignInRefused(NOT_FRESH)
    userinfo_url = metadata(provider).get("userinfo_endpoint")
    access_token = tokens.get("access_token")
    if isinstance(userinfo_url, str) and isinstance(access_token, str):
        import httpx

        try:
            info = _get_json(userinfo_url, headers={"Authorization": f"Bearer {access_token}"})
        except (httpx.HTTPError, ValueError):
            info = {}
        # Core 5.3.2: userinfo for another subject must not be used.
        if info.get("sub") == claims["sub"]:
            claims = {**info, **claims}
    return claims


@dataclass(frozen=True)
class LogoutToken:
    """What a valid back-channel logout token names: the member (`sub`), the provider's
    session (`sid`), or both; its `jti` is refused a second time until `until`."""

    subject: str | None
    sid: str | None
    jti: str
    until: int


def validate_logout_token(provider: OidcProvider, token: str) -> LogoutToken:
    """OpenID Back-Channel Logout 2.6. Replay (the jti) is the caller's check: it needs the
    database, which this module does not touch."""
    from joserfc import jwt

    claims = _decode(provider, token, may_refetch=False)
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        iat={"essential": True},
        jti={"essential": True},
    )
    _check_claims(claims, registry)
    events = claims.get("events")
    if not isinstance(events, dict) or BACKCHANNEL_EVENT not in events or "nonce" in claims:
        raise SignInRefused(REFUSED)
    subject, sid, jti, iat = (claims.get(k) for k in ("sub", "sid", "jti", "iat"))
    if not isinstance(jti, str) or not isinstance(iat, int):
        raise SignInRefused(REFUSED)
    if not isinstance(subject, str) and not isinstance(sid, str):
        raise SignInRefused(REFUSED)  # 2.4: sub, sid or both
    until = iat + LOGOUT_TOKEN_SECONDS + LEEWAY_SECONDS
    if until < time.time():
        # Too old to be this logout's: its jti may be forgotten already.
        raise SignInRefused(REFUSED_EXPIRED)
    return LogoutToken(
        subject=subject if isinstance(subject, str) else None,
        sid=sid if isinstance(sid, str) else None,
        jti=jti,
        until=until,
    )


def end_session_url(provider: OidcProvider) -> str | None:
    """Where to send the browser so the provider ends its session too (RP-initiated logout),
    or None when the provider offers none or cannot be reached."""
    try:
        endpoint = metadata(provider).get("end_session_endpoint")
    except ProviderDown:
        return None
    # A web address only: it ends up in a link and a refresh on the signed-out page
    if not isinstance(endpoint, str) or not endpoint.startswith(("https://", "http://")):
        return None
    query = urlencode(
        {
            "client_id": provider.client_id,
            "post_logout_redirect_uri": get_settings().public_url.rstrip("/") + "/",
        }
    )
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{query}"
