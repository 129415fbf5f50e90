"""Versioned calibration files: the constant offset from skin reading to body estimate.

Written by ``gate-edge calibrate``; JSON so that a technician can read it::

    {"format": 1, "version": "cal-20261128T164000Z-3fa2c1", "offset_c": 0.62,
     "method": "pairs", "n": 24, "residual_sd_c": 0.18, "created": "2026-11-28T16:40:00Z",
     "source": "pairs.csv", "parts": {"sensor_c": ..., "physiological_c": ...}}

The version goes into every passage's measurement details, so every reading can be
traced to the calibration it used.
"""
from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import statistics
from typing import Any, Dict, List, Optional, Tuple

import cv2
import numpy as np

FORMAT = 1


class CalibrationError(Exception):
    """A calibration file that cannot be used; str() is the technician message."""


@dataclasses.dataclass(frozen=True)
class Calibration:
    version: str
    offset_c: float
    method: str  # "pairs", "blackbody" or "config"
    n: int = 0
    residual_sd_c: Optional[float] = None
    created: Optional[str] = None
    source: Optional[str] = None
    parts: Dict[str, float] = dataclasses.field(default_factory=dict)
    #: Face-size compensation: body += size_coeff_c * ln(size_ref_px / face pixels). A face
    #: covering fewer pixels reads lower (the canthus mixes with cooler skin in a pixel).
    size_coeff_c: float = 0.0
    size_ref_px: Optional[float] = None
    #: Ambient compensation fitted from pairs taken at several room temperatures; None =
    #: the config's ``ambient_coeff`` applies.
    ambient_coeff_c: Optional[float] = None

    def to_json(self) -> Dict[str, Any]:
        data = dataclasses.asdict(self)
        data["format"] = FORMAT
        return data


def config_calibration(offset_c: float) -> Calibration:
    """The offset from the config file when no calibration file is given."""
    return Calibration(version=f"config:{offset_c:+.2f}", offset_c=offset_c, method="config")


def make_version(created: datetime.datetime, payload: Dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:6]
    return f"cal-{created.strftime('%Y%m%dT%H%M%SZ')}-{digest}"


def _digested(offset_c: Any, method: Any, n: Any, source: Any, size_coeff_c: Any, size_ref_px: Any,
              ambient_coeff_c: Any) -> Dict[str, Any]:
    """What a version's digest covers: every value that changes a body estimate, as saved."""
    return {"offset_c": offset_c, "method": method, "n": n, "source": source,
            "size": [size_coeff_c, size_ref_px], "ambient": ambient_coeff_c}


def _check_version(path: str, data: Dict[str, Any], version: str) -> None:
    """A file's version must be the one its values give: an offset edited by hand would
    otherwise go into every record under the version of the calibration it replaced."""
    try:
        created = datetime.datetime.strptime(str(data["created"]), "%Y-%m-%dT%H:%M:%SZ")
    except (KeyError, ValueError):
        created = None
    payload = _digested(data["offset_c"], data.get("method"), data.get("n"), data.get("source"),
                        data.get("size_coeff_c"), data.get("size_ref_px"), data.get("ambient_coeff_c"))
    if created is None or make_version(created, payload) != version:
        raise CalibrationError(f"{path}: its values do not match its version {version} (edited by hand, or "
                               "written by a gate-edge older than 2026-11-29): run 'gate-edge calibrate' again; "
                               "an offset must come from a calibration, which writes a new version")


def new_calibration(offset_c: float, method: str, n: int, residual_sd_c: Optional[float], source: str,
                    parts: Optional[Dict[str, float]] = None, now: Optional[datetime.datetime] = None,
                    size_coeff_c: float = 0.0, size_ref_px: Optional[float] = None,
                    ambient_coeff_c: Optional[float] = None) -> Calibration:
    created = (now or datetime.datetime.now(datetime.timezone.utc)).replace(microsecond=0)
    offset_c, size_coeff_c = round(offset_c, 4), round(size_coeff_c, 4)
    size_ref_px = None if size_ref_px is None else round(size_ref_px, 1)
    ambient_coeff_c = None if ambient_coeff_c is None else round(ambient_coeff_c, 4)
    payload = _digested(offset_c, method, n, source, size_coeff_c, size_ref_px, ambient_coeff_c)
    return Calibration(version=make_version(created, payload), offset_c=offset_c, method=method, n=n,
                       residual_sd_c=None if residual_sd_c is None else round(residual_sd_c, 4),
                       created=created.strftime("%Y-%m-%dT%H:%M:%SZ"), source=source, parts=dict(parts or {}),
                       size_coeff_c=size_coeff_c, size_ref_px=size_ref_px, ambient_coeff_c=ambient_coeff_c)


def save_calibration(calibration: Calibration, path: str) -> None:
    """Atomic write: a half-written calibration must never be read by the daemon."""
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(calibration.to_json(), f, indent=2, sort_keys=True)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_calibration(path: str) -> Calibration:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except OSError as exc:
        raise CalibrationError(f"{path}: cannot read calibration file: {exc.strerror}") from exc
    except ValueError as exc:
        raise CalibrationError(f"{path}: not a calibration file (invalid JSON: {exc})") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CalibrationError(f"{path}: not a calibration file of format {FORMAT} (write one with 'gate-edge calibrate')")
    try:
        offset = float(data["offset_c"])
        version = str(data["version"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CalibrationError(f"{path}: calibration file lacks a valid 'offset_c' and 'version'") from exc
    if not -5.0 <= offset <= 5.0:
        raise CalibrationError(f"{path}: offset {offset:+.2f} deg C is outside -5..5: recalibrate")
    _check_version(path, data, version)
    parts = data.get("parts") or {}
    try:
        size_coeff = float(data.get("size_coeff_c") or 0.0)
        size_ref = data.get("size_ref_px")
        size_ref = None if size_ref is None else float(size_ref)
        ambient = data.get("ambient_coeff_c")
        ambient = None if ambient is None else float(ambient)
    except (TypeError, ValueError) as exc:
        raise CalibrationError(f"{path}: size_coeff_c / size_ref_px / ambient_coeff_c are not numbers") from exc
    if ambient is not None and not 0.0 <= ambient <= MAX_AMBIENT_COEFF:
        raise CalibrationError(f"{path}: ambient_coeff_c must be within 0..{MAX_AMBIENT_COEFF}")
    if size_coeff and (size_ref is None or size_ref <= 0 or not 0.0 <= size_coeff <= MAX_SIZE_COEFF):
        raise CalibrationError(f"{path}: face-size compensation needs 0 <= size_coeff_c <= {MAX_SIZE_COEFF} "
                               "and a positive size_ref_px")
    return Calibration(version=version, offset_c=offset, method=str(data.get("method", "unknown")),
                       n=int(data.get("n", 0)), residual_sd_c=data.get("residual_sd_c"),
                       created=data.get("created"), source=data.get("source"),
                       parts={str(k): float(v) for k, v in parts.items()},
                       size_coeff_c=size_coeff if size_ref else 0.0, size_ref_px=size_ref, ambient_coeff_c=ambient)


# -- fitting --------------------------------------------------------------------
MIN_PAIRS = 3
#: Pairs and spread of face sizes needed before a face-size coefficient is fitted.
MIN_SIZE_PAIRS = 10
MIN_LOG_SIZE_SD = 0.15
MAX_SIZE_COEFF = 1.0
#: Room temperatures the pairs must span before an ambient coefficient is fitted.
MIN_AMBIENT_SPAN_C = 5.0
MAX_AMBIENT_COEFF = 0.2


@dataclasses.dataclass(frozen=True)
class Fit:
    offset_c: float
    residual_sd_c: float
    size_coeff_c: float = 0.0
    size_ref_px: Optional[float] = None
    ambient_coeff_c: Optional[float] = None


def offset_from_pairs(bases: List[float], clinical: List[float]) -> Tuple[float, float]:
    """(offset, residual SD) so that base + offset best matches the clinical readings.

    The median of the differences: one misread thermometer must not shift every verdict.
    """
    if len(bases) != len(clinical) or len(bases) < MIN_PAIRS:
        raise CalibrationError(f"need at least {MIN_PAIRS} pairs of readings, got {len(bases)}")
    diffs = [c - b for b, c in zip(bases, clinical)]
    offset = statistics.median(diffs)
    residual = statistics.pstdev(d - offset for d in diffs) if len(diffs) > 1 else 0.0
    return offset, residual


def fit_pairs(bases: List[float], clinical: List[float], faces: Optional[List[float]] = None,
              ambients: Optional[List[float]] = None, ambient_ref_c: float = 22.0) -> Fit:
    """Constant offset, plus face-size and ambient coefficients when the pairs allow them.

    diff = offset + a * ln(ref / face) + b * (ambient_ref - ambient), ref = the median face
    size, fitted by least squares after dropping readings more than 3 robust SDs off the
    median offset. A term is fitted only with 10+ pairs spanning enough face sizes (or
    5 deg C of room temperature); coefficients stay physical (a smaller face or a colder
    room never reads hotter).
    """
    offset, residual = offset_from_pairs(bases, clinical)
    n = len(bases)
    if n < MIN_SIZE_PAIRS:
        return Fit(offset, residual)
    diffs = np.asarray(clinical, dtype=float) - np.asarray(bases, dtype=float)
    mad = float(np.median(np.abs(diffs - offset))) * 1.4826
    keep = np.abs(diffs - offset) <= max(0.3, 3 * mad)
    columns: Dict[str, np.ndarray] = {}
    ref = None
    if faces is not None and len(faces) == n and min(faces) > 0:
        ref = float(np.median(np.asarray(faces, dtype=float)[keep]))
        x = np.log(ref / np.asarray(faces, dtype=float))
        if float(np.std(x[keep])) >= MIN_LOG_SIZE_SD:
            columns["size"] = x
    if ambients is not None and len(ambients) == n:
        a = ambient_ref_c - np.asarray(ambients, dtype=float)
        if float(np.ptp(a[keep])) >= MIN_AMBIENT_SPAN_C:
            columns["ambient"] = a
    if not columns or int(keep.sum()) < MIN_SIZE_PAIRS:
        return Fit(offset, residual)
    names = list(columns)
    design = np.column_stack([np.ones(n)] + [columns[k] for k in names])
    solution, *_ = np.linalg.lstsq(design[keep], diffs[keep], rcond=None)
    limits = {"size": MAX_SIZE_COEFF, "ambient": MAX_AMBIENT_COEFF}
    coeffs = {k: float(np.clip(solution[i + 1], 0.0, limits[k])) for i, k in enumerate(names)}
    explained = sum(coeffs[k] * columns[k] for k in names)
    offset2 = float(np.median((diffs - explained)[keep]))
    res = float(np.std(diffs - offset2 - explained))
    return Fit(offset2, res, coeffs.get("size", 0.0), ref if "size" in coeffs else None, coeffs.get("ambient"))


def reference_reading(frames: np.ndarray, setpoint_c: float,
                      region: Optional[Tuple[int, int, int, int]] = None) -> Tuple[float, float, Tuple[int, int, int, int]]:
    """(median reading, SD over frames, region) of a blackbody seen in ``frames`` (N, H, W).

    Without a region, the source is found as the largest steady area near the setpoint.
    """
    if frames.ndim != 3 or frames.shape[0] == 0:
        raise CalibrationError("the recording holds no frames")
    if region is None:
        region = find_reference(frames, setpoint_c)
    x, y, w, h = region
    height, width = frames.shape[1:]
    if w <= 0 or h <= 0 or x < 0 or y < 0 or x + w > width or y + h > height:
        raise CalibrationError(f"blackbody region {x},{y} {w}x{h} is outside the {width}x{height} frame")
    means = frames[:, y:y + h, x:x + w].reshape(frames.shape[0], -1).mean(axis=1)
    return float(np.median(means)), float(np.std(means)), region


def find_reference(frames: np.ndarray, setpoint_c: float, tolerance_c: float = 3.0) -> Tuple[int, int, int, int]:
    mean = frames.mean(axis=0)
    steady = (np.abs(mean - setpoint_c) <= tolerance_c) & (frames.std(axis=0) <= 0.3)
    n, _, stats, _ = cv2.connectedComponentsWithStats(steady.astype(np.uint8), connectivity=4)
    if n <= 1:
        raise CalibrationError(f"no steady area near {setpoint_c:.1f} deg C in the recording: is the blackbody in view? "
                               "(give its region with --region X,Y,W,H)")
    best = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    x, y, w, h = (int(v) for v in stats[best, :4])
    # The inner half: edges of the source mix with the background through the optics.
    return x + w // 4, y + h // 4, max(1, w // 2), max(1, h // 2)
