"""A stdlib HTTP server on 127.0.0.1, served from a daemon thread for as long as it runs."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from http.server import ThreadingHTTPServer
from types import TracebackType
from typing import ClassVar, Self

LOOPBACK_HOST = "127.0.0.1"
# How long stop() may wait for the serving loop to notice it.
_SHUTDOWN_POLL_SECONDS = 0.05


class BackgroundHttpServer(ABC):
    """`start()` it (or use it as a context manager) and reach it at `base_url`; `stop()` is
    safe to call when it is not running."""

    # Names the server in error messages, e.g. "the gateway".
    _description: ClassVar[str]
    _thread_name: ClassVar[str]

    def __init__(self, *, port: int = 0) -> None:
        self._port = port
        self._http_server: ThreadingHTTPServer | None = None
        self._serving_thread: threading.Thread | None = None

    @abstractmethod
    def _make_server(self, address: tuple[str, int]) -> ThreadingHTTPServer:
        """A server bound to `address`, not yet serving."""

    def start(self) -> None:
        if self._http_server is not None:
            raise RuntimeError(f"{self._description} is already running")
        self._http_server = self._make_server((LOOPBACK_HOST, self._port))
        self._serving_thread = threading.Thread(
            target=self._http_server.serve_forever,
            kwargs={"poll_interval": _SHUTDOWN_POLL_SECONDS},
            name=self._thread_name,
            daemon=True,
        )
        self._serving_thread.start()

    def stop(self) -> None:
        if self._http_server is None or self._serving_thread is None:
            return
        self._http_server.shutdown()
        self._http_server.server_close()
        self._serving_thread.join()
        self._http_server = None
        self._serving_thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._http_server is not None

    @property
    def base_url(self) -> str:
        """http://host:port, without a trailing slash."""
        if self._http_server is None:
            raise RuntimeError(f"{self._description} is not running")
        host, port = self._http_server.server_address[:2]
        return f"http://{host!s}:{port}"
