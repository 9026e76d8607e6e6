"""A TCP proxy between the app and PostgreSQL that fails on command.

Modes: `pass` forwards; `cut` resets every open connection and every new one (the network
or the server went away); `blackhole` accepts and reads but never answers nor forwards (a
dropped route, a hung server); `restore` goes back to `pass`, dropping what the black hole
held (their conversations are lost anyway)."""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading


def _reset(sock: socket.socket) -> None:
    # SO_LINGER 0: close with a RST, as a vanished peer or a killed server would look.
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


class FaultProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.mode = "pass"
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=128)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._closed = threading.Event()
        threading.Thread(target=self._accept_loop, name="fault-proxy", daemon=True).start()

    # ---- commands ------------------------------------------------------------------------

    def cut(self) -> None:
        self.mode = "cut"
        self._drop_all()

    def blackhole(self) -> None:
        self.mode = "blackhole"

    def restore(self) -> None:
        if self.mode == "blackhole":
            self._drop_all()
        self.mode = "pass"

    def close(self) -> None:
        self._closed.set()
        self._listener.close()
        self._drop_all()

    # ---- the plumbing -----------------------------------------------------------------------

    def _drop_all(self) -> None:
        with self._lock:
            socks, self._open = self._open, set()
        for sock in socks:
            _reset(sock)

    def _track(self, *socks: socket.socket) -> None:
        with self._lock:
            self._open.update(socks)

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if self.mode == "cut":
                _reset(client)
                continue
            if self.mode == "blackhole":
                self._track(client)
                threading.Thread(target=self._swallow, args=(client,), daemon=True).start()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                _reset(client)
                continue
            self._track(client, server)
            for src, dst in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(src, dst), daemon=True).start()

    def _swallow(self, sock: socket.socket) -> None:
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([src], [], [], 0.2)
                if not ready:
                    continue
                data = src.recv(65536)
                if not data:
                    break
                if self.mode == "blackhole":
                    continue  # read, never delivered: both ends wait for ever
                dst.sendall(data)
        except (OSError, ValueError):
            pass
        for sock in (src, dst):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        with self._lock:
            self._open.discard(src)
        src.close()
