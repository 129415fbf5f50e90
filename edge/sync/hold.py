"""Queues whose messages the broker acknowledged without passing them on: held, then resent.

A PUBACK can say that no one got the message:
- a failure reason code (MQTT 5, 0x80 and up): not authorised (the ACL), quota exceeded,
  packet too large, ...;
- 0x10 "no matching subscribers": no collector session subscribes, so the broker drops
  it (no collector set up yet, or its session expired during a long holiday).
Either way the records did not reach the school and their rows stay in the outbox. The
queue's cursor has already moved past them, so without a hold they would wait for the
next reconnect while newer rows went out. A hold stops that one queue for a back-off
delay (growing while the broker keeps refusing, reset by the next message it passes on),
then rewinds its cursor to the first refused row. MQTT 3.1.1 has no reason codes: there
every PUBACK has to count as delivered.
"""
from __future__ import annotations

import logging
from typing import Dict, Iterable, Optional

from paho.mqtt.reasoncodes import ReasonCode

from edge.sync.backoff import Backoff

log = logging.getLogger(__name__)

NO_MATCHING_SUBSCRIBERS = 0x10


def passed_on(reason: ReasonCode) -> bool:
    """Did the broker take the message for at least one subscriber (or session)?"""
    return not reason.is_failure and reason.value != NO_MATCHING_SUBSCRIBERS


class QueueHolds:
    def __init__(self, queues: Iterable[str], first_s: float, cap_s: float) -> None:
        self._backoff = {queue: Backoff(first_s, cap_s) for queue in queues}
        self._until: Dict[str, float] = {}  # queue -> monotonic time it may send again
        self._rewind: Dict[str, int] = {}  # queue -> cursor to resend from (first refused id - 1)

    def refuse(self, queue: str, first_id: int, records: int, reason: ReasonCode, now: float) -> str:
        """Hold ``queue`` and resend from ``first_id`` when the hold ends. Returns the sync
        counter to count it in."""
        self._rewind[queue] = min(first_id - 1, self._rewind.get(queue, first_id - 1))
        if queue not in self._until:  # one log line per hold, not one per refused message
            backoff = self._backoff[queue]
            level = logging.WARNING if backoff.attempts == 0 else logging.INFO  # a warning per streak
            delay = backoff.next_delay()
            self._until[queue] = now + delay
            log.log(level, "broker passed a %s message on to no one (%s): its %d records stay queued; "
                    "sending that queue again in %.1f s", queue, reason, records, delay)
        return "no_subscribers" if reason.value == NO_MATCHING_SUBSCRIBERS else "puback_errors"

    def passed(self, queue: str) -> None:
        self._backoff[queue].reset()

    def refusing(self) -> bool:
        """Has the broker passed on no message of some queue since it first refused one?
        (Across reconnects: only a message passed on ends the streak.)"""
        return any(backoff.attempts for backoff in self._backoff.values())

    def cursor(self, queue: str, cursor: int, now: float) -> Optional[int]:
        """Where ``queue`` sends from now: ``cursor``, rewound when a hold has just ended;
        None while it is held."""
        until = self._until.get(queue)
        if until is None:
            return cursor
        if now < until:
            return None
        del self._until[queue]
        return min(cursor, self._rewind.pop(queue))

    def clear(self) -> None:
        """A new connection resends everything unacknowledged anyway (the back-off stays)."""
        self._until.clear()
        self._rewind.clear()
