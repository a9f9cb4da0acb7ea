"""A TCP proxy the tests can cut and restore: a link to the broker that fails on cue.

Given several targets it is also a small round-robin balancer: each new connection goes to the next
target that accepts it (two gateways behind one address).

Plain threads: it runs in the pytest process without eventlet (the reliability and browser run).
"""

from __future__ import annotations

import socket
import threading


class CuttableProxy:
    def __init__(self, target_host: str, target_port: int, *more_targets: tuple[str, int]):
        self.target = (target_host, target_port)
        self.targets = [self.target, *more_targets]
        self.turn = 0
        self.port = self._free_port()
        self.connections: list[socket.socket] = []
        self.listener: socket.socket | None = None
        self.lock = threading.Lock()

    @staticmethod
    def _free_port() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        """Refuse new connections and break the open ones, as a stopped broker would."""
        if self.listener is not None:
            try:
                self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
            except OSError:
                pass
            self.listener.close()
            self.listener = None
        with self.lock:
            for connection in self.connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                    connection.close()
                except OSError:
                    pass
            self.connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = self._connect()
            if upstream is None:  # no target accepts: the client sees the connection closed
                client.close()
                continue
            with self.lock:
                self.connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _connect(self) -> socket.socket | None:
        """A connection to the next target in turn that accepts one, else None."""
        for _ in self.targets:
            target = self.targets[self.turn % len(self.targets)]
            self.turn += 1
            try:
                upstream = socket.create_connection(target, timeout=5)
            except OSError:
                continue
            upstream.settimeout(None)  # the link itself may stay idle for as long as it likes
            return upstream
        return None

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        """Copy one way until either end goes; then both are shut down, so that the far side sees at
        once that its peer is gone (a close alone leaves the socket open while the other direction's
        thread is still blocked reading it: a dead consumer's connection, and its unacknowledged
        messages, would then outlive it at the broker)."""
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                try:
                    end.close()
                except OSError:
                    pass
