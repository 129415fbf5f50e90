"""Producer for the kill -9 test: Store + SyncService in one process, writing passages forever.

Usage: python tests/sync_producer.py DB BROKER_PORT DEVICE_ID COMMITTED_LOG
Each committed seq is appended to COMMITTED_LOG after the transaction returns, so the
test knows which passages the device promised to deliver.
"""
from __future__ import annotations

import os
import sys
import time
from typing import Optional

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from edge.record import PassageRecord  # noqa: E402
from edge.verdict import Verdict  # noqa: E402


def make_record(i: int, verdict: Verdict = Verdict.PASS, card: Optional[str] = None,
                person_id: Optional[str] = "P1") -> PassageRecord:
    return PassageRecord(t=float(i), wall=time.time(), clock_ok=True, verdict=verdict, reasons=(),
                         card=card, card_reader="sim" if card else None, person_id=person_id,
                         skin_c=35.0, body_c=36.6 if verdict is not Verdict.FEVER else 38.2,
                         measurement={}, policy={})


def main(argv: list) -> int:
    from edge.settings.device import DeviceSettings
    from edge.settings.mqtt import MqttSettings
    from edge.settings.root import GateConfig
    from edge.store import Store
    from edge.sync.service import SyncService

    db, port, device_id, committed = argv[1], int(argv[2]), argv[3], argv[4]
    cfg = GateConfig(device=DeviceSettings(id=device_id, site="s1"), mqtt=MqttSettings(port=port))
    store = Store(db, cfg.device, synchronous="NORMAL").open()
    sync = SyncService(cfg, db, dict)
    sync.start()
    i = 0
    with open(committed, "a", buffering=1) as log_file:
        deadline = time.monotonic() + 600  # the test kills it long before; never run on forever
        while time.monotonic() < deadline:
            seq = store.record_passage(make_record(i))
            log_file.write(f"{seq}\n")
            i += 1
            time.sleep(0.002)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
