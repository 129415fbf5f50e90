"""A broker that cannot take a batch as big as mqtt.batch_bytes: the gate learns it and the
backlog still drains (Mosquitto's message_size_limit ends the connection, unannounced)."""
from __future__ import annotations

import logging

from sync_producer import make_record
from sync_support import collector_seqs, filled_store, gate_config, started_collector, stored_seqs, wait_for

from edge.sync.batch_size import PACKET_OVERHEAD, REGROW_AFTER, STRIKES, BatchSize
from edge.sync.payload import BATCH_HEAD_BYTES
from edge.sync.service import SyncService
from edge.verdict import Verdict


def test_the_same_batch_at_the_head_of_two_drops_halves_that_queue():
    sizes = BatchSize(256 * 1024, ("alert", "check", "passage"))
    full = 256 * 1024 - BATCH_HEAD_BYTES
    assert sizes.records_bytes("passage") == full
    sizes.dropped(("passage", 1, 200, 74_000))
    sizes.dropped(("passage", 201, 200, 74_000))  # another batch: a flaky link, not a size
    assert sizes.records_bytes("passage") == full
    for _ in range(STRIKES):
        sizes.dropped(("passage", 201, 200, 74_000))
    assert sizes.records_bytes("passage") == 37_000 and sizes.records_bytes("check") == full
    sizes.dropped(("passage", 1, 200, 74_000))  # (later drops of a 74 kB batch: cut once more, then back)
    sizes.dropped(("passage", 1, 200, 74_000))
    assert sizes.records_bytes("passage") == 37_000
    sizes.dropped(("alert", 5, 1, 900))  # one record: nothing to cut
    sizes.dropped(("alert", 5, 1, 900))
    assert sizes.records_bytes("alert") == full
    sizes.connected(16_384)  # a broker that announces its Maximum Packet Size
    assert sizes.records_bytes("check") == 16_384 - PACKET_OVERHEAD - BATCH_HEAD_BYTES
    sizes.connected(None)
    assert sizes.records_bytes("check") == full
    # A flaky uplink, not a limit: after enough batches at the cut size it grows back; live
    # passages sent one by one do not test the size and do not count.
    for _ in range(5 * REGROW_AFTER):
        sizes.acknowledged("passage", 700)
    assert sizes.records_bytes("passage") == 37_000
    for _ in range(REGROW_AFTER - 1):
        sizes.acknowledged("passage", 36_000)
    assert sizes.records_bytes("passage") == 37_000
    sizes.acknowledged("passage", 36_000)
    assert sizes.records_bytes("passage") == 2 * (37_000 + BATCH_HEAD_BYTES) - BATCH_HEAD_BYTES  # doubled
    for _ in range(3 * REGROW_AFTER):
        sizes.acknowledged("passage", 10 ** 6)
    assert sizes.records_bytes("passage") == full  # (never above mqtt.batch_bytes)
    # Cut down to one record a batch by a long run of flaps: those batches count as well.
    for _ in range(8 * STRIKES):
        sizes.dropped(("check", 1, 2, sizes.records_bytes("check") + BATCH_HEAD_BYTES))
    assert sizes.records_bytes("check") < 1500
    for _ in range(8 * REGROW_AFTER):
        sizes.acknowledged("check", 10 ** 6)
    assert sizes.records_bytes("check") == full
    # A drop with no batch in flight (only an alert) says nothing: the strike stands.
    sizes.dropped(("alert", 9, 200, 60_000))
    sizes.dropped(None)
    sizes.dropped(("alert", 9, 200, 60_000))
    assert sizes.records_bytes("alert") == 30_000


def test_a_backlog_drains_through_a_broker_with_a_small_message_size_limit(mosquitto_factory, tmp_path, caplog):
    broker = mosquitto_factory("message_size_limit 20000\n")
    collector = started_collector(broker.url, tmp_path / "c.db")
    cfg = gate_config(broker.port)  # batch_bytes 256 KiB: 200 records of ~370 bytes, 74 kB a batch
    store = filled_store(tmp_path / "gate.db", cfg, 3000)
    # A fever waiting too: alerts go first in every window, so at each drop the alert is the
    # first message in flight; the largest batch in flight is the one the broker stopped at.
    store.record_passage(make_record(3000, Verdict.FEVER))
    expected = stored_seqs(store)
    for seq in expected[:4]:  # and a small batch of clinical readings, also ahead of the passages
        store.add_secondary_check(seq, 37.0, "keypad")
    sync = SyncService(cfg, store.path)
    caplog.set_level(logging.WARNING, logger="edge.sync.batch_size")
    sync.start()
    try:
        wait_for(lambda: collector_seqs(collector) == expected, 60, "every record through the broker")
        assert store.backlog()["count"] == 0
        # Two drops per halving (74 kB -> 37 -> 18.5 under 20 kB): a handful of connections,
        # not a reconnect loop on the alert at the head of every window.
        assert sync.counters["connects"] <= 12, sync.counters
    finally:
        sync.stop()
        store.close()
        collector.stop()
    assert "message_size_limit" in caplog.text and "sending passage batches of at most" in caplog.text
    assert "check batch" not in caplog.text  # the small batch ahead of the culprit is not blamed
