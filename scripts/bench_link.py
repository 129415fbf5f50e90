"""A TCP proxy that holds each direction to a fixed rate, for benchmarks that should see
a real link's speed instead of loopback's (a Raspberry Pi 3's Ethernet is 100 Mbit/s)."""
from __future__ import annotations

import select
import socket
import threading
import time
from typing import List, Optional


class ThrottledProxy:
    """127.0.0.1:<port> -> 127.0.0.1:<target>, each direction at most ``bytes_per_s``."""

    CHUNK = 16 * 1024

    def __init__(self, target_port: int, bytes_per_s: float) -> None:
        self.target_port = target_port
        self.rate = bytes_per_s
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self.port: int = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._threads: List[threading.Thread] = []

    def start(self) -> "ThrottledProxy":
        self._spawn(self._accept)
        return self

    def stop(self) -> None:
        self._stop.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def _spawn(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([self._listener], [], [], 0.1)
                if not ready:
                    continue
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            for sock in (client, server):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._spawn(self._pipe, client, server)
            self._spawn(self._pipe, server, client)

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        """Copy src -> dst, sleeping so that the bytes so far never run ahead of the rate."""
        started: Optional[float] = None
        sent = 0
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([src], [], [], 0.1)
                if not ready:
                    started = None  # an idle link does not bank credit
                    continue
                data = src.recv(self.CHUNK)
                if not data:
                    break
                if started is None:
                    started, sent = time.perf_counter(), 0
                sent += len(data)
                ahead = sent / self.rate - (time.perf_counter() - started)
                if ahead > 0:
                    time.sleep(ahead)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
