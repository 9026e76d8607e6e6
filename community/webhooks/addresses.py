"""Where a webhook may go: no loopback, private, link-local or cloud-metadata addresses in
production, so an admin's URL cannot reach into the company's own network (SSRF)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from community.config import get_settings
from community.errors import InvalidInput
from community.i18n import Formatted


class UnsafeUrl(InvalidInput):
    code = "unsafe_url"


# NAT64 prefixes (RFC 6052 well-known, RFC 8215 local use): a gateway turns them into the
# IPv4 address in the low 32 bits, so 64:ff9b::7f00:1 is 127.0.0.1.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, 6to4, Teredo, NAT64):
    each of them must be public too."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip in _IPV4_COMPATIBLE or ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    return found


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _NAT64_LOCAL:
            return False
        embedded = _embedded_ipv4(ip)
        if embedded:
            return all(_public(v4) for v4 in embedded)
    # is_global is False for loopback, RFC 1918, link-local (169.254.169.254, the metadata
    # service), unique-local IPv6 and the carrier-grade NAT range.
    return ip.is_global and not ip.is_multicast


def check_url_shape(url: str) -> None:
    """Scheme and host, without DNS: https only unless private targets are allowed."""
    parts = urlsplit(url)
    allowed = ("https", "http") if get_settings().webhooks_allow_private else ("https",)
    if parts.scheme not in allowed:
        if get_settings().webhooks_allow_private:
            raise UnsafeUrl("Die Adresse muss mit https:// oder http:// beginnen.")
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
        raise UnsafeUrl(
            Formatted("Der Rechnername %(host)s lässt sich nicht auflösen.", host=host)
        ) from exc
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    if not addresses:
        raise UnsafeUrl(Formatted("Der Rechnername %(host)s lässt sich nicht auflösen.", host=host))
    if not get_settings().webhooks_allow_private:
        refused = [str(ip) for ip in addresses if not _public(ip)]
        if refused:
            raise UnsafeUrl(
                Formatted(
                    "Die Adresse führt zu einem internen Netz (%(addresses)s); "
                    "Webhooks gehen nur an öffentliche Adressen.",
                    addresses=", ".join(refused),
                )
            )
    return str(addresses[0])
