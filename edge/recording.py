"""The public recording format (README "Recording format"): save, load, validate, iterate.

A ``.npz`` archive. Required: ``frames`` (N,H,W) float32 deg C and ``t`` (N,) float64
seconds, increasing. Optional: ``ambient`` (N,) float32; ``cards``, ``truth``, ``flags``
and ``meta`` as 0-d JSON strings. ``flags`` ([[frame_index, "shutter"], ...]) and ``meta``
({"sensor", "fps", "seed", ...}) are extensions written by ``gate-edge sim``; readers
ignore keys they do not know.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import zipfile
from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Tuple, Union

import numpy as np

from drivers.base import CardEvent, ThermalFrame
from edge.cards import normalize_card_id

log = logging.getLogger(__name__)

JSON_KEYS = ("cards", "truth", "flags", "meta")
TRUTH_KEYS = ("t_enter", "t_leave", "core_c", "card")


class RecordingError(ValueError):
    """A file that is not a valid recording; str() names the file and the problem."""


@dataclasses.dataclass
class Recording:
    frames: np.ndarray
    t: np.ndarray
    ambient: Optional[np.ndarray] = None
    cards: Optional[List[Dict[str, Any]]] = None
    truth: Optional[List[Dict[str, Any]]] = None
    flags: Optional[List[Tuple[int, str]]] = None
    meta: Optional[Dict[str, Any]] = None

    def __len__(self) -> int:
        return int(self.frames.shape[0])

    @property
    def shape(self) -> Tuple[int, int]:
        return int(self.frames.shape[1]), int(self.frames.shape[2])

    def frame_flags(self) -> List[FrozenSet[str]]:
        per: List[set] = [set() for _ in range(len(self))]
        for index, flag in self.flags or []:
            per[index].add(flag)
        return [frozenset(s) for s in per]

    def frame(self, i: int, flags: Optional[List[FrozenSet[str]]] = None) -> ThermalFrame:
        ambient = None if self.ambient is None else float(self.ambient[i])
        return ThermalFrame(float(self.t[i]), self.frames[i], ambient,
                            frozenset() if flags is None else flags[i])

    def card_taps(self) -> List[Tuple[float, str]]:
        return sorted((float(c["t"]), normalize_card_id(str(c["id"]))) for c in self.cards or [])


def save(path: str, rec: Recording) -> None:
    """Write ``rec`` (np.savez, uncompressed: noisy float frames hardly compress and zlib
    would dominate the time). NumPy adds ``.npz`` when the name lacks it."""
    validate(rec, path)
    arrays: Dict[str, np.ndarray] = {"frames": np.ascontiguousarray(rec.frames, np.float32),
                                     "t": np.asarray(rec.t, np.float64)}
    if rec.ambient is not None:
        arrays["ambient"] = np.asarray(rec.ambient, np.float32)
    for key in JSON_KEYS:
        value = getattr(rec, key)
        if value is not None:
            data = [list(f) for f in value] if key == "flags" else value
            arrays[key] = np.array(json.dumps(data, ensure_ascii=False))
    np.savez(path, **arrays)


def _json(path: str, data: Any, key: str) -> Any:
    arr = data[key]
    if arr.shape != () or arr.dtype.kind != "U":
        raise RecordingError(f"{path}: '{key}' must be a JSON string (0-d str array), got {arr.dtype} {arr.shape}")
    try:
        return json.loads(str(arr[()]))
    except ValueError as exc:
        raise RecordingError(f"{path}: '{key}' is not valid JSON ({exc})") from None


def load(path: str) -> Recording:
    try:
        with np.load(path, allow_pickle=False) as data:
            keys = set(data.files)
            for key in ("frames", "t"):
                if key not in keys:
                    raise RecordingError(f"{path}: missing '{key}' (has: {', '.join(sorted(keys)) or 'nothing'})")
            frames, t = data["frames"], data["t"]
            if frames.ndim != 3 or frames.dtype.kind != "f":
                raise RecordingError(f"{path}: 'frames' must be (N,H,W) float32, got {frames.dtype} {frames.shape}")
            rec = Recording(frames=frames.astype(np.float32, copy=False), t=t)
            if "ambient" in keys:
                rec.ambient = data["ambient"]
            for key in JSON_KEYS:
                if key in keys:
                    value = _json(path, data, key)
                    setattr(rec, key, [tuple(f) for f in value] if key == "flags" and isinstance(value, list)
                            else value)
    except (OSError, zipfile.BadZipFile, EOFError) as exc:
        raise RecordingError(f"{path}: cannot read a recording ({exc})") from None
    except ValueError as exc:
        if isinstance(exc, RecordingError):
            raise
        raise RecordingError(f"{path}: cannot read a recording ({exc})") from None
    validate(rec, path)
    return rec


def validate(rec: Recording, path: str = "recording") -> None:
    n = rec.frames.shape[0] if rec.frames.ndim == 3 else -1
    if n < 0 or rec.frames.dtype.kind != "f":
        raise RecordingError(f"{path}: 'frames' must be (N,H,W) float32, got {rec.frames.dtype} {rec.frames.shape}")
    t = np.asarray(rec.t)
    if t.shape != (n,) or t.dtype.kind not in "fiu":
        raise RecordingError(f"{path}: 't' must be ({n},) float64 seconds, got {t.dtype} {t.shape}")
    if n > 1 and not np.all(np.diff(t) > 0):
        raise RecordingError(f"{path}: 't' must increase strictly (frame {int(np.argmin(np.diff(t))) + 1})")
    if not np.all(np.isfinite(t)):
        raise RecordingError(f"{path}: 't' holds NaN or infinite values")
    if rec.ambient is not None and (np.asarray(rec.ambient).shape != (n,) or np.asarray(rec.ambient).dtype.kind != "f"):
        raise RecordingError(f"{path}: 'ambient' must be ({n},) float32, got "
                             f"{np.asarray(rec.ambient).dtype} {np.asarray(rec.ambient).shape}")
    _check_list(path, "cards", rec.cards, ("t", "id"))
    _check_list(path, "truth", rec.truth, TRUTH_KEYS)
    if rec.flags is not None:
        for item in rec.flags:
            if (not isinstance(item, (list, tuple)) or len(item) != 2 or not isinstance(item[0], int)
                    or not 0 <= item[0] < n or not isinstance(item[1], str)):
                raise RecordingError(f"{path}: 'flags' entries must be [frame_index < {n}, \"flag\"], got {item!r}")
    if rec.meta is not None and not isinstance(rec.meta, dict):
        raise RecordingError(f"{path}: 'meta' must be a JSON object")


def _check_list(path: str, key: str, value: Any, required: Tuple[str, ...]) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        raise RecordingError(f"{path}: '{key}' must be a JSON list")
    for i, item in enumerate(value):
        missing = [k for k in required if not isinstance(item, dict) or k not in item]
        if missing:
            raise RecordingError(f"{path}: '{key}'[{i}] lacks {', '.join(missing)}")
        if key == "cards" and (not isinstance(item["t"], (int, float)) or not isinstance(item["id"], str)):
            raise RecordingError(f"{path}: 'cards'[{i}] needs a number 't' and a string 'id'")


def events(rec: Recording, reader: str = "replay") -> Iterator[Union[ThermalFrame, CardEvent]]:
    """Frames and card taps merged in time order (a tap before a frame of the same time)."""
    flags = rec.frame_flags()
    taps = rec.card_taps()
    k = 0
    for i in range(len(rec)):
        ti = float(rec.t[i])
        while k < len(taps) and taps[k][0] <= ti:
            yield CardEvent(taps[k][0], reader, taps[k][1])
            k += 1
        yield rec.frame(i, flags)
    for tap_t, card in taps[k:]:
        yield CardEvent(tap_t, reader, card)
