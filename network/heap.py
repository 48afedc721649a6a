"""The garbage collector in the long-running processes: web processes and job workers.

What a process holds once the app is loaded (modules, classes, functions, the app with its
extensions, compiled statements and templates) lives as long as the process. CPython's full
collections walk all of it every time: about 220,000 objects and 100-200 ms a pass in a web
process (docs/performance.md), a pause for every request and socket in flight. `freeze_loaded`
runs one collection, then moves everything still alive to the collector's permanent generation:
later full collections walk only what came after.
"""

from __future__ import annotations

import gc


def freeze_loaded() -> int:
    """Collect what is garbage now, then freeze the rest; return how many objects are frozen.

    Call it once a process has loaded the app and before it serves (gunicorn's post_worker_init,
    Celery's worker_process_init). Frozen objects are never collected: whatever is garbage must
    go before, hence the collection first."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
