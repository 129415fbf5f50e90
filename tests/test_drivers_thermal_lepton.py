"""PureThermal Lepton 3.x Y16 driver on exact raw buffers: centikelvin, telemetry rows, fuzzing."""
from __future__ import annotations

import time

import numpy as np
import pytest
from emulators import uvc_lepton
from emulators.uvc_source import RawCamera
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from drivers import registry
from drivers.base import AccuracyClass, BuildContext, DeviceState
from drivers.thermal.lepton_uvc import LeptonUvc, Options, centikelvin_to_celsius

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def driver(**kw):
    return LeptonUvc(Options(**kw), BuildContext("thermal"))


def test_centikelvin_exact():
    raw = np.array([27315, 31015, 30965, 25315], dtype="<u2")
    assert centikelvin_to_celsius(raw).tolist() == pytest.approx([0.0, 37.0, 36.5, -20.0])


@pytest.mark.parametrize("telemetry,shape", [("", "y16"), ("", "flat"), ("bottom", "y16"),
                                             ("bottom", "flat"), ("top", "y16")])
def test_frames_with_and_without_telemetry_rows(telemetry, shape):
    img = uvc_lepton.scene(0)
    celsius, flags = driver(telemetry=telemetry or "bottom").decode(uvc_lepton.frame(img, telemetry, shape))
    assert celsius.shape == (120, 160) and celsius.dtype == np.float32
    assert np.allclose(celsius, img, atol=0.006) and flags == frozenset()
    assert celsius[50, 70] == pytest.approx(35.9, abs=0.006)


def test_wrong_telemetry_side_is_visible_and_mirror_works():
    img = uvc_lepton.scene(0)
    wrong, _ = driver(telemetry="top").decode(uvc_lepton.frame(img, "bottom"))
    assert not np.allclose(wrong, img, atol=0.5)
    mirrored, _ = driver(mirror=True).decode(uvc_lepton.frame(img))
    assert np.allclose(mirrored, img[:, ::-1], atol=0.006)


@FUZZ
@given(hnp.arrays(st.sampled_from([np.uint8, np.uint16, np.float64]),
                  hnp.array_shapes(min_dims=1, max_dims=3, max_side=200)))
def test_fuzz_never_raises_and_valid_frame_still_decodes(garbage):
    d = driver()
    result = d.decode(garbage)
    assert result is None or result[0].shape == (120, 160)
    good = d.decode(uvc_lepton.frame(uvc_lepton.scene(1), "bottom", "flat"))
    assert good is not None and good[0][50, 70] == pytest.approx(35.9, abs=0.006)


def test_registered_and_classified():
    cls = registry.driver_class("thermal", "lepton_uvc")
    assert cls is LeptonUvc and cls.accuracy is AccuracyClass.REFERENCE_REQUIRED
    assert cls.warmup_minutes == 30 and cls.fourcc == "Y16 "


def test_missing_device_reconnects_when_it_appears(tmp_path):
    cam = RawCamera(tmp_path / "usb-GroupGets_PureThermal-video-index0",
                    lambda s: uvc_lepton.frame(uvc_lepton.scene(s)))
    cam.unplug()
    d = LeptonUvc(Options(device=str(cam.node)), BuildContext("thermal"), source_factory=cam.factory)
    d.open()
    try:
        assert d.state is DeviceState.RECONNECTING and "not present" in d.state_detail
        assert d.read(0.1) is None
        cam.replug()
        t0 = time.monotonic()
        frame = None
        while frame is None and time.monotonic() - t0 < 2.0:
            frame = d.read(0.2)
        assert frame is not None and d.state is DeviceState.OK
    finally:
        d.close()
