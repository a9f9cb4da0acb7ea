"""Run one or more services in this process: `python -m guiyan.runner registry gateway`."""

import os
import sys

# A service process runs without docstrings and asserts (`python -OO`, however it was started: a
# container's command, `guiyan run`, the tests): they were 3 MB of each process's memory, the
# gateway's included (issue 14's 80 MB at rest). The asserts here only narrow types; the API's two
# documents read the docstrings they show from the source (services/gateway/api/openapi.py).
if __name__ == "__main__" and sys.flags.optimize < 2:
    os.execv(sys.executable, [sys.executable, "-OO", *sys.orig_argv[1:]])

# What a service process never uses is not loaded (issue 14's memory budget, 80 MB per process):
# eventlet's green DNS (dnspython, ~8 MB; the few lookups happen when connecting, as libpq's own
# always do), and rich with pygments, which structlog loads for pretty tracebacks wherever a
# developer tool has installed them (~5 MB; production images do not have them); and PyYAML, which
# kombu loads to offer a YAML serializer when it finds it installed (nameko's CLI needs it; no
# message here is YAML; ~1 MB).
os.environ.setdefault("EVENTLET_NO_GREENDNS", "yes")
sys.modules.setdefault("rich", None)  # type: ignore[arg-type]
sys.modules.setdefault("yaml", None)  # type: ignore[arg-type]


def _return_large_blocks() -> None:
    """glibc's malloc keeps a freed large block for reuse once it has freed one (its mmap threshold
    rises up to 32 MB), and gives each thread its own arena: a gateway that had hashed passwords
    (Argon2id, then 19 MiB each, in worker threads) kept them for good, 166 MB against 90 before
    its first sign-in. With the threshold pinned, a block of 256 KiB or more is mapped alone and given
    back to the system when freed, and threads share two arenas."""
    import ctypes

    try:
        # by its usual name: ctypes.util's search for it loads subprocess, tempfile and shutil (1.4 MB)
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 256 * 1024)  # M_MMAP_THRESHOLD (a fixed value stops its rise)
        libc.mallopt(-8, 2)  # M_ARENA_MAX
    except (OSError, AttributeError):  # not glibc: its own allocator's habits apply
        pass


_return_large_blocks()

import eventlet  # noqa: E402

eventlet.monkey_patch()  # before anything else imports socket or threading

import gc  # noqa: E402
import importlib  # noqa: E402
import signal  # noqa: E402
import warnings  # noqa: E402

from nameko.runners import ServiceRunner  # noqa: E402

from shared import logging as guiyan_logging  # noqa: E402
from shared.db import patch_psycopg_for_eventlet  # noqa: E402
from shared.publishing import buffer_broker_reads  # noqa: E402
from shared.settings import SETTINGS_BY_SERVICE  # noqa: E402

GC_THRESHOLDS = (10_000, 20, 20)  # the collector's generations, for a service process once started

SERVICE_CLASSES = {
    "registry": "services.registry.service:RegistryService",
    "finance": "services.finance.service:FinanceService",
    "escalation": "services.escalation.service:EscalationService",
    "projects": "services.projects.service:ProjectsService",
    "consultation": "services.consultation.service:ConsultationService",
    "notifications": "services.notifications.service:NotificationsService",
    "gateway": "services.gateway.service:GatewayService",
}


def service_class(name: str):
    module, _, attribute = SERVICE_CLASSES[name].partition(":")
    return getattr(importlib.import_module(module), attribute)


def nameko_config(name: str) -> dict:
    settings = SETTINGS_BY_SERVICE[name]()
    return {**settings.nameko_config(), "RETRY_DELAYS_MS": settings.retry_delays()}


def main(names: list[str]) -> None:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    patch_psycopg_for_eventlet()
    buffer_broker_reads()
    settings = SETTINGS_BY_SERVICE[names[0]]()
    guiyan_logging.configure(settings.log_format, settings.log_level)
    log = guiyan_logging.get_logger("runner")
    config = {}
    for name in names:
        config.update(nameko_config(name))
    runner = ServiceRunner(config)
    for name in names:
        runner.add_service(service_class(name))

    # A signal's handler runs inside the hub's wait for its sockets when the process is idle, and
    # that wait is taken up again afterwards for the rest of its time (PEP 475): a stop scheduled
    # from the handler waited for the next timer or socket, up to the consumers' 15 s idle read. The
    # handler writes to a pipe instead, and the greenthread reading it stops the runner at once.
    stopping: list[int] = []
    asked, ask = os.pipe()
    write = eventlet.patcher.original("os").write

    def stop(signum, frame):
        if stopping:  # Ctrl-C reaches us and our parent forwards it too: stop once
            return
        stopping.append(signum)
        write(ask, b"x")  # the real write: eventlet's own would wait for the hub, inside which we are

    def stop_when_asked():
        eventlet.hubs.trampoline(asked, read=True)
        log.info("stopping", services=names, signal=stopping[0])
        runner.stop()

    eventlet.spawn_n(stop_when_asked)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    runner.start()
    # what the process built to start (modules, classes, templates, statements, the regions' arrays)
    # stays for good: the collector leaves it out of its passes, which went over all of it in every
    # full collection; the garbage of starting is collected first
    gc.collect()
    gc.freeze()
    # a young collection every 10,000 objects kept rather than every 700: finance collected about once
    # every two loan flows (423 times in 860), 1 % of its CPU, for cycles that are few and small here
    gc.set_threshold(*GC_THRESHOLDS)
    log.info("started", services=names)
    runner.wait()


if __name__ == "__main__":
    main(sys.argv[1:] or list(SERVICE_CLASSES))
