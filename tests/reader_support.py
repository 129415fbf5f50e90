"""Reading what a ReaderThread puts on its event queue, in tests."""
from __future__ import annotations

import queue
import time
from typing import Any, Callable, List, Optional

from edge.events import DeviceStatus


def wait_for_event(events: "queue.Queue[Any]", until: Callable[[Any], bool], states: List[Any],
                   limit: float = 3.0) -> Optional[Any]:
    """Take events until one satisfies ``until`` (returned) or ``limit`` seconds pass (None).
    The state of every DeviceStatus taken is appended to ``states`` first."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            item = events.get(timeout=0.05)
        except queue.Empty:
            continue
        if isinstance(item, DeviceStatus):
            states.append(item.state)
        if until(item):
            return item
    return None
