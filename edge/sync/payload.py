"""Wire payloads: one record, a secondary check, a batch envelope, and the parser."""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from edge.cards import hash_card_id
from edge.record import PassageRecord, masked_card

PAYLOAD_VERSION = 1


def record_payload(rec: PassageRecord, device: str, site: str, boot: str, seq: int, wall_iso: str,
                   card_key: bytes) -> Dict[str, Any]:
    """The JSON object sent for one passage. The raw card id never appears."""
    data: Dict[str, Any] = {
        "v": PAYLOAD_VERSION, "type": "passage", "device": device, "site": site, "boot": boot,
        "seq": seq, "id": f"{device}:{seq}", "wall": wall_iso, "clock_ok": bool(rec.clock_ok),
        "t_mono": rec.t, "verdict": rec.verdict.value, "reasons": list(rec.reasons),
        "person_id": rec.person_id, "card_reader": rec.card_reader,
        "skin_c": rec.skin_c, "body_c": rec.body_c,
        "measurement": rec.measurement, "policy": rec.policy,
    }
    if rec.card is not None and rec.person_id is None:
        data["card_hash"] = hash_card_id(rec.card, card_key)
        data["card_masked"] = masked_card(rec)
    return data


def check_payload(device: str, site: str, boot: str, seq: int, check_id: int, value_c: float, source: str,
                  wall_iso: str, passage_wall: str) -> Dict[str, Any]:
    """A secondary (manual) temperature check attached to passage `seq`. ``passage_wall``
    (that passage's own wall time) lets the school tell it from another passage under the
    same seq: a gate whose database was replaced by an older copy goes on from its numbers."""
    return {"v": PAYLOAD_VERSION, "type": "secondary_check", "device": device, "site": site, "boot": boot,
            "seq": seq, "check": check_id, "id": f"{device}:{seq}:check:{check_id}", "wall": wall_iso,
            "value_c": value_c, "source": source, "passage_wall": passage_wall}


def dumps(obj: Dict[str, Any]) -> str:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True, default=str)


BATCH_HEAD_BYTES = 128  # room kept in a passages message for the envelope around the records


def batch_message(device: str, first_seq: int, last_seq: int, count: int, joined_records: bytes) -> bytes:
    """A batch message: the records are pre-serialized JSON texts (UTF-8) joined with
    commas, spliced in without decoding them."""
    head = (f'{{"v":{PAYLOAD_VERSION},"device":{json.dumps(device)},"first_seq":{first_seq},'
            f'"last_seq":{last_seq},"count":{count},"records":[')
    return b"".join((head.encode("utf-8"), joined_records, b"]}"))


def parse_command(payload: bytes) -> Optional[str]:
    """The ``cmd`` of a downlink command message (``{"cmd": "health"}``); None when it is not one."""
    try:
        cmd = json.loads(payload.decode("utf-8")).get("cmd")
    except (UnicodeDecodeError, ValueError, AttributeError):
        return None
    return cmd if isinstance(cmd, str) else None


def parse_message(payload: bytes) -> Optional[List[Dict[str, Any]]]:
    """Records in a passages/alerts message (batch or single); None when malformed."""
    try:
        obj = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):  # (RecursionError: nested 100,000 deep)
        return None
    if not isinstance(obj, dict):
        return None
    records = obj.get("records", [obj]) if "records" in obj else [obj]
    if not isinstance(records, list) or not all(isinstance(r, dict) and "device" in r and "seq" in r for r in records):
        return None
    return records
