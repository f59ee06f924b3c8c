"""A TCP proxy the test controls, in front of a shared service it must never stop (RabbitMQ).

`cut()` is the service dying under its clients: every open connection is reset and the port
refuses new ones; `restore()` listens again on the same port, as a restarted broker would. The
proxy runs its own event loop in a thread, so a client that blocks its caller's thread (kombu
publishes synchronously, from `asyncio.to_thread`) or the test's own loop never stalls it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

logger = logging.getLogger("tests.proxy")


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int, port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = port
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    def _call(self, coroutine: Any) -> Any:
        future: Future[Any] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout=10)

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        self.connections += 1
        self._writers |= {writer, up_writer}
        try:
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        finally:
            self._writers -= {writer, up_writer}

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()  # a reset, as when the broker's process dies
        self._writers.clear()

    def start(self) -> None:
        self._thread.start()
        self._call(self._listen())

    def cut(self) -> None:
        logger.info("proxy on %d: cut", self.port)
        self._call(self._cut())

    def restore(self) -> None:
        logger.info("proxy on %d: restored", self.port)
        self._call(self._listen())

    async def _shutdown(self) -> None:
        await self._cut()
        # The resets end every pipe; waiting (not cancelling) lets each connection task finish.
        tasks = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        if tasks:
            await asyncio.wait(tasks, timeout=5)

    def stop(self) -> None:
        self._call(self._shutdown())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()


@contextmanager
def tcp_proxy(upstream_host: str, upstream_port: int, port: int) -> Iterator[TcpProxy]:
    proxy = TcpProxy(upstream_host, upstream_port, port)
    proxy.start()
    try:
        yield proxy
    finally:
        proxy.stop()
