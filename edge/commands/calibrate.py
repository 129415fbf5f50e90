"""``gate-edge calibrate``: compute the constant offset and write a versioned calibration file.

Two ways (DESIGN.md section 4, a constant offset works best):

* ``--pairs CSV``: clinical thermometer readings matched to measured passages. Columns
  ``clinical_c`` and either ``skin_c`` (the drift-corrected skin reading, optionally with
  ``face_pixels``) or ``seq`` (a passage in the local store: its recorded body estimate
  minus its calibrated corrections, and its face size). With 10+ pairs over a range of
  face sizes a face-size coefficient is fitted too.
* ``--blackbody RECORDING --setpoint C``: a recording (.npz) with a blackbody in view; the
  sensor's error at the setpoint plus the configured skin-to-body ``offset_c``.
"""
from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
from typing import List, Optional, Tuple

import numpy as np

from edge.calibration import (CalibrationError, Calibration, fit_pairs, new_calibration, reference_reading,
                              save_calibration)
from edge.settings.loader import load_config
from edge.settings.root import GateConfig

log = logging.getLogger(__name__)


def register(sub: "argparse._SubParsersAction") -> None:
    p = sub.add_parser("calibrate", help="compute the temperature offset and write a versioned calibration file")
    p.add_argument("--config", metavar="FILE", help="YAML config (default: the embedded demo config)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--pairs", metavar="CSV", help="clinical readings: columns clinical_c and skin_c or seq")
    src.add_argument("--blackbody", metavar="RECORDING", help="recording (.npz) with a blackbody in view")
    p.add_argument("--setpoint", type=float, metavar="C", help="blackbody setpoint (deg C; with --blackbody)")
    p.add_argument("--region", metavar="X,Y,W,H", help="blackbody region (default: the config's, else found)")
    p.add_argument("--out", metavar="FILE", help="file to write (default: screening.calibration_file, else calibration.json)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)  # a ConfigError is reported by edge.cli (exit 2)
    out = args.out or config.screening.calibration_file or "calibration.json"
    try:
        if args.pairs:
            calibration = from_pairs(args.pairs, config)
        else:
            if args.setpoint is None:
                print("--blackbody needs --setpoint C (the blackbody's temperature)", file=sys.stderr)
                return 2
            calibration = from_blackbody(args.blackbody, args.setpoint, parse_region(args.region, config), config)
            if config.screening.blackbody is not None:
                print("note: this gate has a permanent blackbody, which already corrects the sensor's error on "
                      "every frame; a blackbody calibration is for gates without one", file=sys.stderr)
        save_calibration(calibration, out)
    except CalibrationError as exc:
        print(f"calibrate: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"calibrate: {exc.filename or out}: {exc.strerror}", file=sys.stderr)
        return 1
    spread = "" if calibration.residual_sd_c is None else f", residual SD {calibration.residual_sd_c:.2f} deg C"
    print(f"{out}: version {calibration.version}, offset {calibration.offset_c:+.2f} deg C "
          f"({calibration.method}, n={calibration.n}{spread})")
    if calibration.residual_sd_c is not None and calibration.residual_sd_c > 0.4:
        print("warning: the pairs disagree by more than 0.4 deg C (the permitted error): check the readings",
              file=sys.stderr)
    if config.screening.calibration_file != out:
        print(f"set screening.calibration_file: {out} in the config to use it", file=sys.stderr)
    return 0


def parse_region(text: Optional[str], config: GateConfig) -> Optional[Tuple[int, int, int, int]]:
    if text is None:
        bb = config.screening.blackbody
        return None if bb is None else (bb.x, bb.y, bb.w, bb.h)
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError as exc:
        raise CalibrationError(f"--region {text!r}: expected X,Y,W,H in pixels") from exc
    return x, y, w, h


def from_pairs(path: str, config: GateConfig) -> Calibration:
    bases, clinical, faces = read_pairs(path, config)
    fit = fit_pairs(bases, clinical, faces)
    return new_calibration(fit.offset_c, "pairs", len(bases), fit.residual_sd_c, path,
                           size_coeff_c=fit.size_coeff_c, size_ref_px=fit.size_ref_px)


def read_pairs(path: str, config: GateConfig) -> Tuple[List[float], List[float], Optional[List[float]]]:
    """(readings before calibration, clinical readings, face pixels or None) from the CSV."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise CalibrationError(f"{path}: no rows (header clinical_c,skin_c or clinical_c,seq)")
    columns = set(rows[0])
    if "clinical_c" not in columns or not ({"skin_c", "seq"} & columns):
        raise CalibrationError(f"{path}: needs a clinical_c column and a skin_c or seq column, has {sorted(columns)}")
    lookup = None if "skin_c" in columns else _store_lookup(config)
    bases: List[float] = []
    clinical: List[float] = []
    faces: List[float] = []
    for line, row in enumerate(rows, start=2):
        try:
            value = float(row["clinical_c"])
            if lookup is None:
                base: Optional[float] = float(row["skin_c"])
                face = float(row["face_pixels"]) if row.get("face_pixels") else None
            else:
                base, face = lookup(int(row["seq"]))
        except (TypeError, ValueError) as exc:
            raise CalibrationError(f"{path}:{line}: not a number ({exc})") from exc
        if base is None:
            raise CalibrationError(f"{path}:{line}: passage {row['seq']} has no temperature reading in the store")
        if not 34.0 <= value <= 43.0:
            raise CalibrationError(f"{path}:{line}: clinical reading {value} is outside 34-43 deg C")
        bases.append(base)
        clinical.append(value)
        if face is not None and face > 0:
            faces.append(face)
    return bases, clinical, faces if len(faces) == len(bases) else None


def _store_lookup(config: GateConfig):  # type: ignore[no-untyped-def]
    """seq -> the passage's reading before the constant offset (body estimate - offset)."""
    from edge.store import Store

    if not os.path.exists(config.store.path):
        raise CalibrationError(f"no database at {config.store.path} to look passages up in")
    store = Store(config.store.path, config.device).open()

    def lookup(seq: int) -> Tuple[Optional[float], Optional[float]]:
        passage = store.passage(seq)
        if passage is None:
            raise CalibrationError(f"passage {seq} is not in the store {config.store.path}")
        body = passage.get("body_c")
        measurement = passage.get("measurement") or {}
        if body is None:
            return None, None
        corrections = measurement.get("corrections") or {}
        base = float(body) - float(corrections.get("offset", 0.0)) - float(corrections.get("face_size", 0.0))
        return base, measurement.get("face_pixels")

    return lookup


def from_blackbody(path: str, setpoint_c: float, region: Optional[Tuple[int, int, int, int]],
                   config: GateConfig) -> Calibration:
    from edge.recording import RecordingError, load

    try:
        frames = np.asarray(load(path).frames, dtype=np.float32)
    except RecordingError as exc:
        raise CalibrationError(str(exc)) from exc
    except OSError as exc:
        raise CalibrationError(f"{path}: {exc.strerror}") from exc
    reading, sd, region = reference_reading(frames, setpoint_c, region)
    if sd > 0.3:
        raise CalibrationError(f"the blackbody reading varies by {sd:.2f} deg C across frames: let it settle")
    sensor = setpoint_c - reading
    physiological = config.screening.offset_c
    log.info("blackbody region %s reads %.2f at setpoint %.2f", region, reading, setpoint_c)
    return new_calibration(sensor + physiological, "blackbody", int(frames.shape[0]), sd, path,
                           parts={"sensor_c": round(sensor, 4), "physiological_c": physiological,
                                  "setpoint_c": setpoint_c, "reading_c": round(reading, 4)})
