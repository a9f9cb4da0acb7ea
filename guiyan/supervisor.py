"""Keeps `guiyan run`'s services running: a service that exits is restarted with back-off, the others
go on; SIGINT or SIGTERM stops them all (SIGTERM forwarded, SIGKILL after a time limit).

Hand-written on purpose, after weighing the libraries that do this:
- honcho (like foreman) stops every process when one exits: the behaviour this replaces.
- supervisor (supervisord) is a daemon with its own configuration file and control socket; its
  back-off grows by one second per try and it gives up for good (FATAL) after `startretries`, and a
  process that ran longer than `startsecs` is started again at once, with no delay.
- circus brings ZeroMQ and Tornado and listens on TCP control ports; it respawns a process that
  exited at its next check (every second by default), with no growing delay.
None gives exponential back-off with a ceiling that never gives up, and each would add a daemon or
ports to a command that only has to keep six children alive in the foreground. Production restarts
services with its own orchestrator (docker compose `restart: unless-stopped`, Kubernetes).

Stopping goes in waves when `stop_waves` are given: a service's callers first, then the service.
nameko's graceful stop waits for the workers still running, and a worker waiting on a call to a
service that was told to stop at the same moment waited out its whole time limit (notifications'
10 s call to the registry held Ctrl-C for 10 s). Each wave gets SIGTERM once the one before has
ended; one time limit covers them all, and what is left when it runs out is killed.

Every state change is one structured log line: `service_started` (pid), `service_exited` (code or
signal, seconds it ran), `service_restarting` (delay); on the way out `supervisor_stopping`,
`service_stopped`, `service_killed` (did not stop in time) and `supervisor_stopped`.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from shared.logging import get_logger

TICK_SECONDS = 0.2  # how often the loop looks at its children


@dataclass(frozen=True)
class Backoff:
    """Delay before the n-th restart in a row: `first` doubled each time, at most `longest`; a
    service that stayed up `stable_after` seconds starts the count again."""

    first: float = 1.0
    longest: float = 30.0
    stable_after: float = 60.0

    def delay(self, failures: int) -> float:
        return min(self.first * 2 ** (failures - 1), self.longest)


@dataclass
class Child:
    """One supervised service: its command and where it stands."""

    name: str
    command: Sequence[str]
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0  # exits in a row, each after a short run
    restart_at: float | None = None


def how_it_ended(returncode: int) -> dict:
    """`{"code": 3}` for an exit, `{"signal": "SIGKILL"}` for a signal."""
    if returncode >= 0:
        return {"code": returncode}
    try:
        return {"signal": signal.Signals(-returncode).name}
    except ValueError:
        return {"signal": -returncode}


class Supervisor:
    """Starts the commands, restarts any that ends, and stops them all on request."""

    def __init__(self, commands: Mapping[str, Sequence[str]], *, backoff: Backoff = Backoff(),
                 stop_timeout: float = 10.0, stop_waves: Sequence[Sequence[str]] = (),
                 cwd: Path | None = None, clock: Callable[[], float] = time.monotonic):
        self.children = {name: Child(name, command) for name, command in commands.items()}
        self.stop_waves = stop_waves
        self.backoff, self.stop_timeout, self.cwd, self.clock = backoff, stop_timeout, cwd, clock
        self.stop_signal: int | None = None
        self.hurry = False  # a second Ctrl-C: kill without waiting
        self.log = get_logger("supervisor")

    # ---- running ---------------------------------------------------------------------------

    def start(self) -> None:
        for child in self.children.values():
            self._spawn(child)

    def handle_signals(self) -> None:
        """SIGINT and SIGTERM ask for a stop; a second one while stopping kills at once."""
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)

    def run(self) -> None:
        """Supervise until a stop is asked for, then stop every child."""
        while self.stop_signal is None:
            self.poll()
            time.sleep(TICK_SECONDS)
        self.shutdown()

    def poll(self) -> None:
        """Notice children that ended, and start those whose delay is over."""
        now = self.clock()
        for child in self.children.values():
            if child.process is not None and child.process.poll() is not None:
                self._exited(child, now)
            if child.restart_at is not None and now >= child.restart_at:
                self._spawn(child)

    def _spawn(self, child: Child) -> None:
        child.restart_at, child.started_at = None, self.clock()
        try:
            child.process = subprocess.Popen(child.command, cwd=self.cwd)
        except OSError as error:  # the command itself cannot run: keep trying, ever more slowly
            self.log.error("service_not_started", service=child.name, error=str(error))
            self._schedule_restart(child, self.clock())
            return
        self.log.info("service_started", service=child.name, pid=child.process.pid)

    def _exited(self, child: Child, now: float) -> None:
        assert child.process is not None
        ran = now - child.started_at
        self.log.warning("service_exited", service=child.name, pid=child.process.pid,
                         ran_seconds=round(ran, 1), **how_it_ended(child.process.returncode))
        child.process = None
        if ran >= self.backoff.stable_after:
            child.failures = 0
        self._schedule_restart(child, now)

    def _schedule_restart(self, child: Child, now: float) -> None:
        child.failures += 1
        delay = self.backoff.delay(child.failures)
        child.restart_at = now + delay
        self.log.info("service_restarting", service=child.name, delay_seconds=delay,
                      failures=child.failures)

    # ---- stopping --------------------------------------------------------------------------

    def _on_signal(self, signum, frame) -> None:
        if self.stop_signal is None:
            self.stop_signal = signum
        else:
            self.hurry = True

    def shutdown(self) -> None:
        """SIGTERM to each wave once the one before has ended; SIGKILL to what is left after
        `stop_timeout` s in all (or at a second Ctrl-C)."""
        signum = self.stop_signal or signal.SIGTERM
        self.log.info("supervisor_stopping", signal=signal.Signals(signum).name)
        for child in self.children.values():
            child.restart_at = None
        running = [child for child in self.children.values() if child.process is not None]
        asked = self.clock()
        for wave in self.waves():
            members = [child for child in running if child.name in wave]
            for child in members:
                self._send(child, signal.SIGTERM)
            while (running := self._reap(running)) and any(child in running for child in members) \
                    and self.clock() < asked + self.stop_timeout and not self.hurry:
                time.sleep(0.05)
        for child in running:
            self._kill(child, waited=self.clock() - asked)
        self.log.info("supervisor_stopped")

    def waves(self) -> list[set[str]]:
        """The children's names in the order they stop; those in no wave stop last, together."""
        waves = [set(wave) & set(self.children) for wave in self.stop_waves]
        rest = set(self.children).difference(*waves)
        return [wave for wave in [*waves, rest] if wave]

    def _reap(self, children: list[Child]) -> list[Child]:
        """Log those that have ended; return the ones still running."""
        left = []
        for child in children:
            process = child.process
            assert process is not None
            if process.poll() is None:
                left.append(child)
            else:
                self.log.info("service_stopped", service=child.name, pid=process.pid,
                              **how_it_ended(process.returncode))
                child.process = None
        return left

    def _kill(self, child: Child, waited: float) -> None:
        process = child.process
        assert process is not None
        self.log.warning("service_killed", service=child.name, pid=process.pid,
                         waited_seconds=round(waited, 1))
        self._send(child, signal.SIGKILL)
        process.wait()
        self._reap([child])

    @staticmethod
    def _send(child: Child, signum: int) -> None:
        try:
            if child.process is not None:
                child.process.send_signal(signum)
        except ProcessLookupError:  # it ended between our look and the signal
            pass
