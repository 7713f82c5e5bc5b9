"""A TCP proxy on a free loopback port whose open connections a test can cut, as a load
balancer or a flaky network would: clients see their streams end abruptly and must
reconnect (new connections are accepted as usual)."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading

from tests.support.services import LOOPBACK

BUFFER = 65536
LINGER_RESET = struct.pack("ii", 1, 0)


class TcpProxy:
    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self._listener = socket.create_server((LOOPBACK, 0))
        self.port = int(self._listener.getsockname()[1])
        self.url = f"http://{LOOPBACK}:{self.port}"
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self.cuts = 0

    def start(self) -> TcpProxy:
        self._thread.start()
        return self

    def cut(self) -> int:
        """Reset every open connection; how many sockets were cut."""
        with self._lock:
            sockets, self._open = self._open, set()
            self.cuts += 1
        for sock in sockets:
            try:
                # SO_LINGER 0: the close resets the connection rather than ending it cleanly.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RESET)
                # shutdown() wakes the pump blocked in recv() (close() alone would not).
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        return len(sockets)

    def stop(self) -> None:
        """Accept no more connections; the open ones end when their peers close them."""
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection((LOOPBACK, self.upstream_port))
            except OSError:
                client.close()
                continue
            with self._lock:
                self._open |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(BUFFER):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            # Either side ending ends the pair; the other pump wakes and exits too.
            for sock in (source, sink):
                with self._lock:
                    self._open.discard(sock)
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
