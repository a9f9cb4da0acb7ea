"""`python -m tests.support.eager_timers SERVICE`: guiyan.runner with every timer firing at start and
then at most every `EAGER_TIMER_SECONDS` (5 s by default).

The consultation's quarter timer ticks hourly, and not at start: a test cannot wait for it. Started
on a quarter's last day through this module, each instance of the service tries to open the quarter
at once and again a few seconds later, as several instances would at the real cut-off.
"""

import eventlet

eventlet.monkey_patch()  # as guiyan.runner does, before nameko is imported

import os  # noqa: E402
import sys  # noqa: E402

from nameko import timer  # noqa: E402

LONGEST = float(os.environ.get("EAGER_TIMER_SECONDS", "5"))
_original_init = timer.Timer.__init__


def _eager_init(self, interval, eager=False, **kwargs):
    _original_init(self, min(interval, LONGEST), eager=True, **kwargs)


timer.Timer.__init__ = _eager_init

from guiyan import runner  # noqa: E402

if __name__ == "__main__":
    runner.main(sys.argv[1:])
