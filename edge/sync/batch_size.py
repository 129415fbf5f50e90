"""How many bytes a batch message may carry, per queue: the configured mqtt.batch_bytes,
or less when the broker cannot take that much.

A broker announces its limit in CONNACK (MQTT 5 Maximum Packet Size) only when it has one
set that way; Mosquitto's message_size_limit is not announced, and a message over it ends
the connection. The gate would then send the same batch again after every reconnect and
never get past it, with only "disconnected" in the log. So when the connection drops twice
in a row with the same batch the largest one in flight (the acknowledgements of smaller
messages sent before it, alerts and check batches, may be lost with the connection), that
queue's batches are halved, down to one record.
A flaky uplink can do the same to a big slow batch, so after REGROW_AFTER batches
acknowledged at a cut size the size doubles again, up to mqtt.batch_bytes: a real limit
costs two reconnects every so often, a passing fault nothing for long.
"""
from __future__ import annotations

import logging
from typing import Dict, Iterable, Optional, Tuple

from edge.sync.payload import BATCH_HEAD_BYTES

log = logging.getLogger(__name__)

PACKET_OVERHEAD = 512  # fixed header, topic, packet id and properties of a PUBLISH, generously
STRIKES = 2  # drops with the same batch the largest in flight before it counts as too large
REGROW_AFTER = 100  # batches acknowledged at a cut size before it doubles again

Sent = Tuple[str, int, int, int]  # (queue, first id, records, payload bytes): the largest batch in flight


class BatchSize:
    def __init__(self, configured: int, queues: Iterable[str]) -> None:
        self.configured = configured
        self._bytes: Dict[str, int] = dict.fromkeys(queues, configured)
        self._announced: Optional[int] = None
        self._suspect: Optional[Tuple[str, int, int]] = None
        self._strikes = 0
        self._acked: Dict[str, int] = dict.fromkeys(queues, 0)  # batches acknowledged since the last cut or growth

    def records_bytes(self, queue: str) -> int:
        """What the records of the queue's next batch may take (the envelope is added later)."""
        limit = self._bytes[queue]
        if self._announced is not None:
            limit = min(limit, self._announced - PACKET_OVERHEAD)
        return max(1, limit - BATCH_HEAD_BYTES)

    def connected(self, maximum_packet_size: Optional[int]) -> None:
        """The broker's CONNACK: its Maximum Packet Size, when it announced one."""
        if maximum_packet_size is not None and maximum_packet_size < self.configured + PACKET_OVERHEAD:
            log.info("broker takes packets of at most %d bytes: batches are cut to fit", maximum_packet_size)
        self._announced = maximum_packet_size

    def acknowledged(self, queue: str, size: int) -> None:
        """A message of ``queue`` of ``size`` bytes went through: after enough that tested the
        cut size (at least half as big; live passages one by one do not) it grows again. A
        batch of one record counts as well: cut that far, every batch is one."""
        if self._bytes[queue] >= self.configured or size < self._bytes[queue] // 2:
            return
        self._acked[queue] += 1
        if self._acked[queue] >= REGROW_AFTER:
            self._acked[queue] = 0
            self._bytes[queue] = min(self.configured, 2 * self._bytes[queue])
            log.info("%s batches go through at the cut size: trying %d bytes again", queue, self._bytes[queue])

    def dropped(self, largest: Optional[Sent]) -> None:
        """The connection dropped with ``largest`` the largest batch still unacknowledged."""
        if largest is None or largest[2] < 2:
            return  # no batch in flight: nothing to learn about sizes from this drop
        queue, first_id, _records, size = largest
        key = (queue, first_id, size)
        self._strikes = self._strikes + 1 if key == self._suspect else 1
        self._suspect = key
        if self._strikes < STRIKES:
            return
        self._bytes[queue] = max(1, min(self._bytes[queue], size // 2 + BATCH_HEAD_BYTES))
        self._suspect, self._strikes, self._acked[queue] = None, 0, 0
        log.warning("the broker closed the connection at a %d-byte %s batch %d times in a row: sending %s batches"
                    " of at most %d bytes for now (is the broker's message_size_limit below mqtt.batch_bytes,"
                    " %d?)", size, queue, STRIKES, queue, self._bytes[queue], self.configured)
