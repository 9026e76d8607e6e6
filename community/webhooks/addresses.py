"""Where a webhook may go: no loopback, private, link-local or cloud-metadata addresses in
production, so an admin's URL cannot reach into the company's own network (SSRF)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from community.config import get_settings
from community.errors import InvalidInput


class UnsafeUrl(InvalidInput):
    code = "unsafe_url"


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    # is_global is False for loopback, RFC 1918, link-local (169.254.169.254, the metadata
    # service), unique-local IPv6 and the carrier-grade NAT range.
    return ip.is_global and not ip.is_multicast


def check_url_shape(url: str) -> None:
    """Scheme and host, without DNS: https only unless private targets are allowed."""
    parts = urlsplit(url)
    allowed = ("https", "http") if get_settings().webhooks_allow_private else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeUrl("Die Adresse muss mit https:// beginnen.")
    if not parts.hostname:
        raise UnsafeUrl("Die Adresse braucht einen Rechnernamen.")
    if parts.username or parts.password:
        raise UnsafeUrl("Zugangsdaten gehören nicht in die Adresse.")
    try:
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError as exc:
        raise UnsafeUrl("Der Port der Adresse ist ungültig.") from exc


def resolve_checked(url: str) -> str:
    """Resolve the URL's host and return one address that may be connected to.

    Every address the name resolves to must be public: a name with one public and one
    private address could otherwise be steered to the private one."""
    check_url_shape(url)
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise UnsafeUrl(f"Der Rechnername {host} lässt sich nicht auflösen.") from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise UnsafeUrl(f"Der Rechnername {host} lässt sich nicht auflösen.")
    if not get_settings().webhooks_allow_private:
        refused = [str(ip) for ip in addresses if not _public(ip)]
        if refused:
            raise UnsafeUrl(
                f"Die Adresse führt zu einem internen Netz ({', '.join(refused)}); "
                "Webhooks gehen nur an öffentliche Adressen."
            )
    return str(addresses[0])
