"""Who owns the socket a local model server listens on, before devlog sends it anything.

On a shared machine any user can listen on Ollama's or llama.cpp's port on 127.0.0.1 while
the real server is stopped, and would receive the user's code and be trusted for the post.
On Linux the kernel says which user owns each listening socket (/proc/net/tcp and tcp6,
the `uid` column): a listener owned by another person is refused. Root and system
accounts (below UID_MIN in /etc/login.defs: only an administrator creates them, as
Ollama's installer does for its `ollama` service user) count as the machine's own.
Elsewhere, or for a server on another host, nothing can be checked and nothing is refused.
"""

from __future__ import annotations

import ipaddress
import os
import pwd
from pathlib import Path

_TABLES = ("/proc/net/tcp", "/proc/net/tcp6")
_LISTEN = "0A"
_DEFAULT_UID_MIN = 1000


def foreign_owner(host: str, port: int) -> int | None:
    """The uid of another person who owns a socket listening on ``host:port``, or None
    (the listener is the user's, the machine's, or cannot be known)."""
    if not _loopback(host):
        return None
    mine, first_person = os.getuid(), _uid_min()
    for uid in _listener_uids(port):
        if uid != mine and uid >= first_person:
            return uid
    return None


def describe_uid(uid: int) -> str:
    try:
        return f"user {pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _listener_uids(port: int) -> list[int]:
    """The owners of the loopback or wildcard listeners on ``port``, from the kernel's tables."""
    uids: list[int] = []
    for table in _TABLES:
        try:
            lines = Path(table).read_text(encoding="ascii", errors="replace").splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) < 8 or fields[3] != _LISTEN:
                continue
            address, _, hex_port = fields[1].partition(":")
            if hex_port and int(hex_port, 16) == port and _reachable_locally(address):
                uids.append(int(fields[7]))
    return uids


def _reachable_locally(hex_address: str) -> bool:
    """Whether a listener bound to this kernel-format address takes loopback connections."""
    raw = bytes.fromhex(hex_address)
    # The kernel prints each 32-bit word in host order (little-endian on every Linux we run on).
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    address = ipaddress.ip_address(words)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_unspecified or address.is_loopback


def _uid_min() -> int:
    try:
        for line in Path("/etc/login.defs").read_text(encoding="utf-8", errors="replace").splitlines():
            fields = line.split()
            if len(fields) == 2 and fields[0] == "UID_MIN" and fields[1].isdigit():
                return int(fields[1])
    except OSError:
        pass
    return _DEFAULT_UID_MIN
