"""Scene simulator: people arrive, walk up, stand in front of the sensor, leave.

``Scene(SceneConfig(...))`` is deterministic for a seed: a frame depends only on the
config and its scene time (seconds from the start), never on which frames were asked
for before. Knobs and the person model: drivers/thermal/scene_model.py; drawing:
drivers/thermal/scene_render.py; recordings: drivers/thermal/scene_record.py.
"""
from __future__ import annotations

import bisect
import logging
from typing import FrozenSet, List, Optional, Tuple

import numpy as np

from drivers.base import FLAG_SHUTTER
from drivers.thermal.scene_model import Person, SceneConfig, gap_after, make_person
from drivers.thermal.scene_render import background, blur, draw_person, supersample

log = logging.getLogger(__name__)

SHUTTER_INTERNAL_C = 8.0  # a closed shutter reads about this much above ambient
#: An endless scene (the demo, the soak) forgets people who left this long ago, so that a
#: simulated gate running for weeks does not grow; the card reader is never that far behind.
FORGET_AFTER_S = 120.0
KEEP_PEOPLE = 16


class Scene:
    def __init__(self, config: SceneConfig) -> None:
        self.config = config
        self.model = config.model
        self._ss = supersample(self.model)
        self._background = background(config)
        # People from index self._first on (earlier ones forgotten in endless scenes).
        self._first = 0
        self._people: List[Person] = []
        self._enters: List[float] = []
        self._shutters: List[float] = []
        self._shutters_first = 0

    # -- people ----------------------------------------------------------------
    @property
    def finite(self) -> bool:
        return self.config.people > 0

    def person(self, index: int) -> Person:
        if index < self._first:
            raise IndexError(f"person {index} left more than {FORGET_AFTER_S:.0f} s ago and is forgotten")
        while self._first + len(self._people) <= index:
            i = self._first + len(self._people)
            t = gap_after(self.config, -1) if i == 0 else self._people[-1].t_leave + gap_after(self.config, i - 1)
            self._people.append(make_person(self.config, i, t))
            self._enters.append(t)
        return self._people[index - self._first]

    def _forget_before(self, t: float) -> None:
        """Endless scenes: drop people who left long before scene time ``t``."""
        drop = 0
        while (len(self._people) - drop > KEEP_PEOPLE
               and self._people[drop].t_leave < t - FORGET_AFTER_S):
            drop += 1
        if drop:
            del self._people[:drop], self._enters[:drop]
            self._first += drop
        old = bisect.bisect_left(self._shutters, t - FORGET_AFTER_S)
        old = min(old, len(self._shutters) - 2)  # the current event and the one before stay
        if old > 0:
            self._shutters_first += old
            del self._shutters[:old]

    def people_until(self, t: float) -> List[Person]:
        """Every person who has entered by scene time ``t`` (all of them for a finite scene
        once ``t`` is past the end)."""
        limit = self.config.people if self.finite else None
        while ((limit is None or self._first + len(self._people) < limit)
               and (not self._people or self._enters[-1] <= t)):
            self.person(self._first + len(self._people))
        n = bisect.bisect_right(self._enters, t)
        return self._people[:n]

    def people(self) -> List[Person]:
        if not self.finite:
            raise ValueError("an endless scene has no complete list of people")
        return [self.person(i) for i in range(self.config.people)]

    def end_time(self) -> float:
        """Scene time after the last person has left, plus one gap (finite scenes)."""
        last = self.people()[-1]
        return last.t_leave + gap_after(self.config, last.index)

    def in_view(self, t: float) -> Optional[Person]:
        if not self.finite:
            self._forget_before(t)
        self.people_until(t)
        n = bisect.bisect_right(self._enters, t)
        if n and self._people[n - 1].t_leave >= t:
            return self._people[n - 1]
        return None

    def truth(self) -> List[dict]:
        return [p.truth() for p in self.people()]

    def next_tap(self, after: float) -> Optional[Tuple[float, str]]:
        """The first card tap strictly after scene time ``after``: (t, card id)."""
        i = self._first + max(0, bisect.bisect_right(self._enters, after) - 2)
        # Endless scenes where nobody taps (no_card_rate 1) must not search forever.
        stop = self.config.people if self.finite else i + 1000
        while True:
            if i >= stop:
                return None
            p = self.person(i)
            if p.t_tap is not None and p.t_tap > after and p.card is not None:
                return p.t_tap, p.card
            i += 1

    def taps(self) -> List[dict]:
        return [{"t": round(p.t_tap, 4), "id": p.card} for p in self.people()
                if p.t_tap is not None and p.card is not None]

    # -- shutter -----------------------------------------------------------------
    def shutter_start(self, t: float) -> Optional[float]:
        """Start of the shutter event covering scene time ``t``, if any."""
        every = self.config.shutter_every_s
        if every is None:
            return None
        while not self._shutters or self._shutters[-1] <= t:
            k = self._shutters_first + len(self._shutters)
            prev = self._shutters[-1] if self._shutters else 0.0
            self._shutters.append(prev + float(np.random.default_rng([self.config.seed, 4, k]).uniform(*every)))
        i = bisect.bisect_right(self._shutters, t) - 1
        if i >= 0 and t < self._shutters[i] + self.config.shutter_s:
            return self._shutters[i]
        return None

    # -- frames --------------------------------------------------------------------
    def clean(self, t: float) -> np.ndarray:
        """The optical image at scene time ``t`` (blurred, no noise, no sensor error)."""
        img = self._background.copy()
        current = self.in_view(t)
        if current is not None:
            cast = [current] + ([current.companion] if current.companion is not None else [])
            for p in sorted(cast, key=lambda q: -q.distance_m):  # far first: near ones occlude
                draw_person(img, p, t, self.model, self._ss)
        return blur(img, self.model.psf_px)

    def sensor_offset(self, t: float) -> float:
        return self.config.bias_c + self.config.drift_c_per_min * t / 60.0

    def _noisy(self, img: np.ndarray, t: float, gain: float = 1.0) -> np.ndarray:
        rng = np.random.default_rng([self.config.seed, 3, int(round(t * 10000))])
        noise = rng.standard_normal(img.shape, dtype=np.float32) * np.float32(self.model.noise_c * gain)
        return (img + np.float32(self.sensor_offset(t)) + noise).astype(np.float32)

    def frame(self, t: float) -> Tuple[np.ndarray, FrozenSet[str]]:
        """The sensor frame at scene time ``t`` and its flags."""
        start = self.shutter_start(t)
        if start is None:
            return self._noisy(self.clean(t), t), frozenset()
        if t < start + self.config.shutter_s / 2:  # the camera repeats its last image
            return self._noisy(self.clean(start), start), frozenset({FLAG_SHUTTER})
        flat = np.full(self._background.shape, self.config.ambient_c + SHUTTER_INTERNAL_C, np.float32)
        return self._noisy(flat, t, gain=3.0), frozenset({FLAG_SHUTTER})

    def ambient(self, t: float) -> float:
        return self.config.ambient_c
