"""The system as separate processes (one per service, as in production) for e2e and browser tests."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests
import sqlalchemy as sa
from sqlalchemy.orm import Session

from shared import clock
from tests.support.sms_mailbox import SmsMailbox
from tests.support.waiting import eventually

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "test-password-2026"
LOG_DIRS: list[Path] = []  # every Stack's logs, scanned for personal data when the session ends


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ended(processes: list[subprocess.Popen], sig: int, seconds: float = 20) -> None:
    """Each process sent `sig`, then waited for; one still running after `seconds` is killed."""
    for process in processes:
        process.send_signal(sig)
    deadline = time.monotonic() + seconds
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def process_name(service: str, instance: int = 1) -> str:
    """How a Stack keys a process: the service's name, with "#2", "#3" … for further instances."""
    return service if instance == 1 else f"{service}#{instance}"



@contextmanager
def fresh_databases(postgres_url: str, name: str) -> Iterator[tuple[str, dict[str, str]]]:
    """A database per service under a new prefix, migrated, dropped afterwards: (prefix, urls)."""
    from shared.migrate import SERVICES_WITH_DATABASE, drop_database, ensure_database, upgrade

    prefix = f"guiyan_{name}{uuid.uuid4().hex[:6]}"
    urls = {}
    try:
        for service in SERVICES_WITH_DATABASE:
            ensure_database(postgres_url, f"{prefix}_{service}")
            urls[service] = f"{postgres_url.rstrip('/')}/{prefix}_{service}"
            upgrade(service, urls[service])
        yield prefix, urls
    finally:
        for service in SERVICES_WITH_DATABASE:
            drop_database(postgres_url, f"{prefix}_{service}")


class Stack:
    def __init__(self, infra, databases: dict, vhost: str, log_dir: Path):
        self.infra = infra
        self.databases = databases
        self.vhost = vhost
        self.amqp_uri = infra.vhost_uri(vhost)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_dir = log_dir
        LOG_DIRS.append(log_dir)
        self.processes: dict[str, subprocess.Popen] = {}
        self.clock_file = log_dir / "clock"  # every service's "today" (empty: the real day)
        self.clock_file.write_text("")
        # where the services' texts go: beside the logs, not among them (it holds phone numbers by design)
        self.sms = SmsMailbox(free_port(), log_dir.with_name(f"{log_dir.name}-sms") / "texts.txt")
        self.env = {
            **os.environ,
            **self.sms.env(),
            "GUIYAN_CLOCK_FILE": str(self.clock_file),
            "GUIYAN_AMQP_URI": self.amqp_uri,
            "GUIYAN_WEB_ADDRESS": f"127.0.0.1:{self.port}",
            "GUIYAN_LOG_FORMAT": "json",
            "GUIYAN_LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }

    def start(self, service: str, *, instance: int = 1, module: str = "guiyan.runner",
              **env) -> subprocess.Popen:
        """Start one process of `service`; a second instance is kept as "service#2" (its log too)."""
        name = process_name(service, instance)
        self.sms.start()
        log = open(self.log_dir / f"{name}.log", "ab")
        process = subprocess.Popen([sys.executable, "-m", module, service], cwd=ROOT,
                                   env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT)
        self.processes[name] = process
        return process

    def start_services(self, *skip: str, instances: int = 1, **env) -> None:
        """Every service but the gateway (and those in `skip`), each as `instances` processes."""
        from shared.settings import SETTINGS_BY_SERVICE

        for instance in range(1, instances + 1):
            for service in SETTINGS_BY_SERVICE:
                if service != "gateway" and service not in skip:
                    self.start(service, instance=instance, **env)

    def stop(self, service: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(service, None)
        if process is not None:
            _ended([process], sig)

    def stop_all(self) -> None:
        """Every process told to stop at once, then each waited for (one after another, each
        service's graceful stop took a suite's teardowns 16 s)."""
        _ended([self.processes.pop(service) for service in list(self.processes)], signal.SIGTERM)
        self.sms.stop()

    @contextmanager
    def today(self, day: dt.date):
        """Every service lives on `day` inside the block, and on the real day again after it."""
        clock.set_today(self.clock_file, day)
        try:
            yield day
        finally:
            clock.set_today(self.clock_file, None)

    def wait_ready(self, timeout: float = 60) -> None:
        eventually(lambda: requests.get(f"{self.base_url}/ready", timeout=5).status_code == 200,
                   timeout=timeout, interval=0.3, ignoring=(requests.RequestException,),
                   message=f"gateway not ready; see logs in {self.log_dir}")

    # ---- accounts, created straight in the gateway's database --------------------------------

    def create_user(self, role: str, *, region_code: str | None = None, level: str | None = None,
                    bank_code: str | None = None, username: str | None = None,
                    unit_head: bool = False) -> str:
        from services.gateway.handlers import auth

        username = username or f"{role}_{uuid.uuid4().hex[:8]}"
        engine = sa.create_engine(self.databases["gateway"].replace(
            "postgresql://", "postgresql+psycopg2://", 1), poolclass=sa.pool.NullPool)
        with Session(engine) as session:
            auth.create_user(session, auth.UserCreate(
                username=username, password=PASSWORD, role=role, display_name=f"测试{role}",
                region_code=region_code, level=level, bank_code=bank_code, unit_head=unit_head))
            session.commit()
        engine.dispose()
        return username

    def client(self, username: str | None = None) -> ApiClient:
        client = ApiClient(self.base_url)
        if username:
            client.login(username)
        return client


class ApiClient:
    def __init__(self, base_url: str):
        self.base_url = base_url
        self.http = requests.Session()
        self.username: str | None = None

    def login(self, username: str, password: str = PASSWORD) -> None:
        response = self.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        self.http.headers["Authorization"] = f"Bearer {response.json()['token']}"
        self.username = username

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.base_url + path, timeout=30, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.http.post(self.base_url + path, timeout=30, **kwargs)

    def put(self, path: str, **kwargs) -> requests.Response:
        return self.http.put(self.base_url + path, timeout=30, **kwargs)

    def patch(self, path: str, **kwargs) -> requests.Response:
        return self.http.patch(self.base_url + path, timeout=30, **kwargs)
