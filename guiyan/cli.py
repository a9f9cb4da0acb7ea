"""`guiyan` operator commands: prepare, demo-accounts, run, parking, outbox."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

from guiyan import sms_mailbox
from guiyan.supervisor import Supervisor
from shared import logging as guiyan_logging
from shared.settings import SETTINGS_BY_SERVICE, GatewaySettings, ServiceSettings
from shared.sms import SmsSettings

ROOT = Path(__file__).resolve().parent.parent
# The order `guiyan run` stops the services in: each before the services it calls, so that a call in
# flight while stopping is still answered (the supervisor's docstring says why it matters); what is
# in no wave (the registry, escalation, projects, the demonstration's SMS mailbox) stops last.
# tests/unit/test_stop_order.py holds it to the services' own RPC proxies.
STOP_WAVES = (("gateway",), ("consultation",), ("finance", "notifications"))
START_HINTS = {
    "PostgreSQL": "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start",
    "RabbitMQ": "rabbitmq-server -detached",
}


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _ensure_up(name: str, url: str, default_port: int) -> None:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
    if _answers(host, port):
        return
    local = host in ("127.0.0.1", "localhost")
    binary = "pg_ctlcluster" if name == "PostgreSQL" else "rabbitmq-server"
    if local and shutil.which(binary):
        print(f"{name} is not answering on {host}:{port}; starting the local one …", flush=True)
        subprocess.run(START_HINTS[name], shell=True, check=False)
        for _ in range(60):
            if _answers(host, port):
                return
            time.sleep(1)
    sys.exit(f"{name} does not answer on {host}:{port}. Start it, e.g.: {START_HINTS[name]}")


def _ensure_management_plugin() -> None:
    if shutil.which("rabbitmq-plugins"):
        subprocess.run(["rabbitmq-plugins", "enable", "--quiet", "rabbitmq_management"],
                       check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def prepare(settings: ServiceSettings) -> None:
    from shared.migrate import prepare_all

    _ensure_up("PostgreSQL", settings.postgres_url, 5432)
    _ensure_up("RabbitMQ", settings.amqp_uri, 5672)
    _ensure_management_plugin()
    for service in prepare_all(settings):
        print(f"database {settings.database_url(service)} migrated", flush=True)


def demo_accounts(settings: GatewaySettings) -> list[tuple[str, str, str]]:
    from sqlalchemy.orm import Session

    from services.gateway.demo import ensure_demo_accounts
    from shared.db import make_engine

    engine = make_engine(settings.database_url("gateway"), pool_size=1)
    with Session(engine) as session, session.begin():
        accounts = ensure_demo_accounts(session)
    engine.dispose()
    return accounts


def demo_funds(settings: ServiceSettings) -> dict[str, dict[str, int]]:
    from sqlalchemy.orm import Session

    from services.finance.handlers.fund import ensure_demo_world
    from services.gateway.demo_world import DEMO_CITIES
    from shared.db import make_engine

    engine = make_engine(settings.database_url("finance"), pool_size=1)
    with Session(engine) as session, session.begin():
        balances = ensure_demo_world(session, DEMO_CITIES)
    engine.dispose()
    return balances


def trial_balance(args) -> None:
    from sqlalchemy.orm import Session

    from services.finance.handlers import books
    from shared.db import make_engine

    engine = make_engine(ServiceSettings().database_url("finance"), pool_size=1)
    with Session(engine) as session:
        reports = [books.trial_balance(session, city) for city in books.cities_keeping_books(session)]
    engine.dispose()
    print(json.dumps(reports, ensure_ascii=False, indent=2))
    if not all(report["balanced"] for report in reports):
        sys.exit("a city's ledger does not balance or does not reconcile with its loans")


def run(args) -> None:
    settings = GatewaySettings()  # type: ignore[call-arg]  # secret_key comes from the environment
    prepare(settings)
    accounts = demo_accounts(settings) if settings.demo_mode else []
    if settings.demo_mode:
        demo_funds(settings)
    guiyan_logging.configure(settings.log_format, settings.log_level)
    commands = {name: [sys.executable, "-m", "guiyan.runner", name] for name in SETTINGS_BY_SERVICE}
    if settings.demo_mode and not SmsSettings().smtp_host:
        # no SMS gateway configured: the demonstration's own, writing every text to .run/sms.log
        commands["sms"] = [sys.executable, "-m", "guiyan.sms_mailbox", str(sms_mailbox.PORT)]
        os.environ.update(GUIYAN_SMS_SMTP_HOST="127.0.0.1", GUIYAN_SMS_SMTP_PORT=str(sms_mailbox.PORT))
    supervisor = Supervisor(commands, stop_waves=STOP_WAVES, cwd=ROOT)
    supervisor.handle_signals()
    supervisor.start()
    # the greeting waits for the gateway while this thread goes on supervising
    threading.Thread(target=_announce, args=(settings, accounts), daemon=True).start()
    supervisor.run()


def _announce(settings: GatewaySettings, accounts: list[tuple[str, str, str]]) -> None:
    """Once the gateway answers: the example world (demo mode), the address and the demo accounts."""
    host, port = settings.web_address.rsplit(":", 1)
    deadline = time.monotonic() + 30
    while not _answers(host, int(port)) and time.monotonic() < deadline:
        time.sleep(0.5)
    address = f"http://{settings.web_address}/"
    if settings.demo_mode:
        _demo_world(address)
    print("\n归雁 Guiyan is running at", address, flush=True)
    for username, password, role in accounts:
        print(f"  {role:<40} 用户名 {username:<18} 密码 {password}")
    if settings.demo_mode and os.environ.get("GUIYAN_SMS_SMTP_PORT") == str(sms_mailbox.PORT):
        print(f"短信（如认领登记信息的验证码）不真正发出，写入 {sms_mailbox.LOG}", flush=True)
    print("A service that stops is started again; press Ctrl-C to stop everything.\n", flush=True)


def _demo_world(address: str) -> None:
    """A returnee, her co-operative, a loan and a difficulty at city level, made through the API once."""
    from services.gateway import demo_world

    try:
        if demo_world.seed(address):
            print("示例数据已生成：陈秀英和她的柑橘合作社、一笔担保贷款、一件已上报至市级的困难问题", flush=True)
    except Exception as exc:  # the demo still runs without its example data
        print("示例数据未能生成：", exc, flush=True)


def parking(args) -> None:
    from shared import parking as parked

    settings = ServiceSettings()
    if args.action == "list":
        print(json.dumps(parked.list_parked(settings.amqp_uri), ensure_ascii=False, indent=2))
        return
    if args.action == "discard" and not args.id:
        sys.exit("guiyan parking discard needs --id (the parking id shown by `guiyan parking list`)")
    done = (parked.replay(settings.amqp_uri, args.id) if args.action == "replay"
            else parked.discard(settings.amqp_uri, args.id))
    print(json.dumps(done, ensure_ascii=False, indent=2))
    print(f"{len(done)} message(s) {'replayed' if args.action == 'replay' else 'discarded'}", file=sys.stderr)


def outbox(args) -> None:
    from sqlalchemy.orm import Session

    from shared.db import make_engine
    from shared.migrate import SERVICES_WITH_DATABASE
    from shared.outbox import outbox_status

    settings = ServiceSettings()
    for service in SERVICES_WITH_DATABASE:
        engine = make_engine(settings.database_url(service), pool_size=1)
        with Session(engine) as session:
            print(service, json.dumps(outbox_status(session)))
        engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="guiyan", description="归雁 Guiyan operator commands")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("prepare", help="check PostgreSQL and RabbitMQ, create and migrate databases")
    commands.add_parser("demo-accounts", help="create the demo accounts and print them")
    commands.add_parser("run", help="prepare, then run every service and the gateway")
    park = commands.add_parser("parking", help="list, replay or discard parked (dead-lettered) messages")
    park.add_argument("action", choices=["list", "replay", "discard"])
    park.add_argument("--id", "--event-id", dest="id", help="only this message: its parking id or event id")
    commands.add_parser("outbox", help="outbox counts per service: pending, failing, sent")
    commands.add_parser("trial-balance", help="finance's trial balance and its reconciliation with the loans")
    roll = commands.add_parser("import", help="check an office's roll (.xlsx or .csv) and, with --start, import it")
    roll.add_argument("file")
    roll.add_argument("--user", required=True, help="the importing official's username (password asked, or "
                      "GUIYAN_PASSWORD; or a token in GUIYAN_API_TOKEN)")
    roll.add_argument("--url", default=None, help="the gateway (default: http://GUIYAN_WEB_ADDRESS)")
    roll.add_argument("--start", action="store_true", help="import once checked (without it: the check only)")
    args = parser.parse_args(argv)
    if args.command == "import":
        args.file = os.path.abspath(args.file)  # named from where the command was typed
    os.chdir(ROOT)
    if args.command == "prepare":
        prepare(ServiceSettings())
    elif args.command == "demo-accounts":
        settings = GatewaySettings()  # type: ignore[call-arg]  # secret_key comes from the environment
        for row in demo_accounts(settings):
            print(*row)
    elif args.command == "run":
        run(args)
    elif args.command == "parking":
        parking(args)
    elif args.command == "outbox":
        outbox(args)
    elif args.command == "trial-balance":
        trial_balance(args)
    elif args.command == "import":
        from guiyan import importer

        address = os.environ.get("GUIYAN_WEB_ADDRESS", "127.0.0.1:8000")
        importer.run(args.file, args.url or f"http://{address}", args.user, args.start)


if __name__ == "__main__":
    main()
