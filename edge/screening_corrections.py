"""Corrections from a raw skin reading to a body estimate, each recorded by name.

* ``blackbody``: per frame, setpoint - measured reference (sensor drift and offset);
* ``offset``: the constant skin-to-body offset (calibration file, else config);
* ``face_size``: ``coeff * ln(ref / face pixels)`` from the calibration file (a small face
  reads low: the canthus shares its pixels with cooler skin);
* ``ambient``: ``coeff * (ambient_ref_c - ambient)`` when the ambient is known and coeff != 0
  (coeff from the calibration file when it fitted one, else the config's).
"""
from __future__ import annotations

import logging
import math
import statistics
from typing import Dict, List, Optional, Tuple

from edge.calibration import Calibration, config_calibration, load_calibration
from edge.measure import FrameAnalysis
from edge.settings.screening import ScreeningSettings

log = logging.getLogger(__name__)


class Corrections:
    def __init__(self, settings: ScreeningSettings) -> None:
        self.settings = settings
        if settings.calibration_file:
            self.calibration: Calibration = load_calibration(settings.calibration_file)
            log.info("calibration %s: offset %+.2f deg C (%s)", self.calibration.version,
                     self.calibration.offset_c, self.calibration.method)
        else:
            self.calibration = config_calibration(settings.offset_c)

    @property
    def version(self) -> str:
        return self.calibration.version

    def drift(self, fa: FrameAnalysis) -> float:
        """Per-frame correction from the blackbody (0 without one)."""
        bb = self.settings.blackbody
        if bb is None or fa.reference_c is None:
            return 0.0
        return bb.setpoint_c - fa.reference_c

    def body(self, skin_corrected_c: float, ambients: List[Optional[float]],
             face_pixels: Optional[float] = None) -> Tuple[float, Dict[str, float]]:
        """Body estimate from the drift-corrected skin reading, and the corrections used."""
        s = self.settings
        cal = self.calibration
        corrections: Dict[str, float] = {"offset": round(cal.offset_c, 3)}
        body = skin_corrected_c + cal.offset_c
        if cal.size_coeff_c and cal.size_ref_px and face_pixels:
            delta = cal.size_coeff_c * math.log(cal.size_ref_px / face_pixels)
            corrections["face_size"] = round(delta, 3)
            body += delta
        known = [a for a in ambients if a is not None]
        coeff = s.ambient_coeff if cal.ambient_coeff_c is None else cal.ambient_coeff_c
        if coeff != 0.0 and known:
            ambient = statistics.median(known)
            delta = coeff * (s.ambient_ref_c - ambient)
            corrections["ambient"] = round(delta, 3)
            body += delta
        return body, corrections
