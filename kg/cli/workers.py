"""uvicorn's worker supervisor with a listening socket per worker (SO_REUSEPORT): the kernel spreads new
connections over the workers, where on one shared socket the first worker awake accepts a whole burst (32
clients connecting at once all landed on one of two workers)."""
from __future__ import annotations

import logging
import socket

from uvicorn import Config
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors.multiprocess import Multiprocess, Process

from kg.errors import KgError

log = logging.getLogger("uvicorn.error")
READY_S = 60.0  # for a new worker to start serving (imports and the app take several seconds on a busy host)


def listen(host: str, port: int, count: int, backlog: int) -> list[socket.socket]:
    """`count` sockets listening on host:port together; KgError when the address cannot be had, or another
    server holds it (SO_REUSEPORT alone would let a second `kg serve` on the port take half its connections)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:  # no SO_REUSEPORT: fails while any server holds it
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host.strip("[]"), port))
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host.strip("[]"), port))
            sock.listen(backlog)
            sock.set_inheritable(True)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise KgError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sockets


class Spread(Multiprocess):
    """uvicorn's Multiprocess, worker i listening on sockets[i]; a worker that dies is replaced on its socket
    (connections the kernel sent there meanwhile wait in its backlog). The number of workers is fixed."""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        super().__init__(config, sockets)
        self.processes_num = len(sockets)

    def start(self, index: int) -> Process:
        """A worker serving sockets[index], started."""
        process = Process(self.config, [self.sockets[index]])
        process.start()
        return process

    def init_processes(self) -> None:
        self.processes = [self.start(i) for i in range(self.processes_num)]

    def keep_subprocess_alive(self) -> None:
        # uvicorn's, but the replacement takes the dead worker's socket.
        for index, process in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # hung, or already gone
            process.join()
            if process.exitcode == STARTUP_FAILURE:  # the app cannot start: it would fail the same way again
                log.error(f"Child process [{process.pid}] failed to start, stopping the parent process.")
                self.should_exit.set()
                return
            log.info(f"Child process [{process.pid}] died")
            self.processes[index] = self.start(index)

    def restart_all(self) -> None:
        """SIGHUP: replace each worker in turn, each new one on its predecessor's socket once it is ready."""
        for index, old in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            new = self.start(index)
            if not new.wait_until_ready(READY_S, self.should_exit):
                new.kill()
                new.join()
                log.error(f"New child process [{new.pid}] was not ready in time; keeping worker [{old.pid}]")
                return
            old.terminate()
            old.join()
            self.processes[index] = new

    def handle_ttin(self) -> None:
        log.info("Received SIGTTIN: kg serve keeps its --workers (restart it with another number)")

    def handle_ttou(self) -> None:
        log.info("Received SIGTTOU: kg serve keeps its --workers (restart it with another number)")
