"""P2 Pro UVC driver on exact raw buffers: 1/64 K, layout variants, range, shutter, replug."""
from __future__ import annotations

import sys
import time
import types

import cv2
import numpy as np
import pytest
from emulators import uvc_p2pro
from emulators.uvc_source import RawCamera
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from drivers import registry
from drivers.base import FLAG_SHUTTER, AccuracyClass, BuildContext, DeviceState
from drivers.thermal.p2pro_uvc import Options, P2ProUvc, raw_to_celsius, thermal_half
from drivers.thermal.uvc import OpenCvSource

FUZZ = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def driver(**kw):
    return P2ProUvc(Options(**kw), BuildContext("thermal"))


def test_design_example_6a4d_is_36_51():
    assert float(raw_to_celsius(np.frombuffer(b"\x6a\x4d", "<u2"))[0]) == pytest.approx(36.51, abs=0.005)


@pytest.mark.parametrize("shape", ["yuyv", "flat"])
def test_bottom_half_decodes_exactly_in_both_layouts(shape):
    img = uvc_p2pro.scene(0)
    frame = uvc_p2pro.frame(img, shape)
    assert frame.nbytes == 256 * 384 * 2
    bottom = frame.reshape(-1)[192 * 512:]
    bottom[:2] = (0x6A, 0x4D)  # pixel (0, 0) of the raw half
    half = thermal_half(frame)
    assert half.shape == (192, 256) and int(half[0, 0]) == 0x4D6A
    celsius, flags = driver().decode(frame)
    assert celsius.shape == (192, 256) and celsius.dtype == np.float32
    assert celsius[0, 0] == pytest.approx(36.51, abs=0.005)
    assert np.allclose(celsius[1:], img[1:], atol=1 / 64) and flags == frozenset()


def test_mirror_and_wrong_size():
    img = uvc_p2pro.scene(0)
    celsius, _ = driver(mirror=True).decode(uvc_p2pro.frame(img))
    assert np.allclose(celsius, img[:, ::-1], atol=1 / 64)
    assert driver().decode(np.zeros((192, 256, 2), np.uint8)) is None


def test_low_gain_or_foreign_data_is_not_a_temperature():
    d = driver()
    assert d.decode(uvc_p2pro.frame(np.full((192, 256), 300.0))) is None
    assert d.counters["out_of_range"] == 1
    hot_object = uvc_p2pro.scene(0)
    hot_object[0:20, 0:20] = 400.0  # a hot spot in a normal scene is still a frame
    assert d.decode(uvc_p2pro.frame(hot_object)) is not None


def test_frozen_frame_flags_shutter_with_holdoff():
    d = driver(shutter_holdoff=1.0)  # (wide: a loaded machine must not outlast it between two decodes)
    a, b = uvc_p2pro.frame(uvc_p2pro.scene(1)), uvc_p2pro.frame(uvc_p2pro.scene(2))
    assert d.decode(a)[1] == frozenset() and d.decode(b)[1] == frozenset()
    assert d.decode(b.copy())[1] == {FLAG_SHUTTER}  # the stream froze
    assert d.decode(uvc_p2pro.frame(uvc_p2pro.scene(3)))[1] == {FLAG_SHUTTER}  # hold-off
    time.sleep(1.05)
    assert d.decode(uvc_p2pro.frame(uvc_p2pro.scene(4)))[1] == frozenset()
    assert d.shutter.events == 1


def test_flat_field_and_global_step_flag_but_a_person_does_not():
    d = driver(shutter_holdoff=0.0)
    assert d.decode(uvc_p2pro.frame(uvc_p2pro.scene(1)))[1] == frozenset()
    person = uvc_p2pro.scene(2)
    person[20:180, 10:90] = 34.0  # someone walks into a third of the view
    assert d.decode(uvc_p2pro.frame(person))[1] == frozenset()
    assert d.decode(uvc_p2pro.frame(np.full((192, 256), 29.3)))[1] == {FLAG_SHUTTER}
    assert d.decode(uvc_p2pro.frame(uvc_p2pro.scene(3)))[1] == frozenset()
    assert d.decode(uvc_p2pro.frame(uvc_p2pro.scene(3) + 1.5))[1] == {FLAG_SHUTTER}
    # A plain wall that is uniform all along is a scene, not a shutter.
    wall = driver(shutter_holdoff=0.0)
    rng = np.random.default_rng(7)
    flags = [wall.decode(uvc_p2pro.frame(22.0 + rng.normal(0, 0.05, (192, 256))))[1] for i in range(3)]
    assert flags == [frozenset()] * 3


@FUZZ
@given(hnp.arrays(st.sampled_from([np.uint8, np.uint16, np.int16, np.float32]),
                  hnp.array_shapes(min_dims=1, max_dims=3, max_side=400)))
def test_fuzz_any_buffer_never_raises_and_valid_frame_still_decodes(garbage):
    d = driver()
    result = d.decode(garbage)
    assert result is None or result[0].shape == (192, 256)
    good = d.decode(uvc_p2pro.frame(uvc_p2pro.scene(5), "flat"))
    assert good is not None and good[0][100, 120] == pytest.approx(36.5, abs=0.02)


@FUZZ
@given(st.integers(0, 2**32 - 1), st.integers(0, 65535))
def test_fuzz_random_full_size_frames(seed, high):
    data = np.random.default_rng(seed).integers(0, high + 1, 256 * 384, dtype=np.uint16)
    d = driver()
    result = d.decode(data.view(np.uint8).reshape(384, 256, 2))
    assert result is None or np.isfinite(result[0]).all()


def test_registered_and_classified():
    cls = registry.driver_class("thermal", "p2pro_uvc")
    assert cls is P2ProUvc and cls.accuracy is AccuracyClass.SCREENING
    assert cls.warmup_minutes == 30 and cls.nominal_fps == 25


def test_opencv_set_up_in_the_required_order(monkeypatch):
    calls = []

    class Capture:
        def __init__(self, target, api):
            calls.append(("open", target, api))

        def isOpened(self):
            return True

        def set(self, prop, value):
            calls.append((prop, value))
            return True

        def release(self):
            calls.append(("release",))

    fake = types.SimpleNamespace(**{k: getattr(cv2, k) for k in dir(cv2) if k.startswith("CAP_")})
    fake.VideoCapture, fake.VideoWriter_fourcc, fake.error = Capture, cv2.VideoWriter_fourcc, cv2.error
    monkeypatch.setitem(sys.modules, "cv2", fake)
    assert OpenCvSource("/dev/video2", "YUYV", 256, 384).open()
    assert calls == [("open", "/dev/video2", cv2.CAP_V4L2),
                     (cv2.CAP_PROP_FOURCC, cv2.VideoWriter_fourcc(*"YUYV")),
                     (cv2.CAP_PROP_FRAME_WIDTH, 256), (cv2.CAP_PROP_FRAME_HEIGHT, 384),
                     (cv2.CAP_PROP_CONVERT_RGB, 0), (cv2.CAP_PROP_BUFFERSIZE, 1)]


def test_real_opencv_on_a_missing_device_fails_cleanly(tmp_path):
    assert OpenCvSource(str(tmp_path / "video9"), "YUYV", 256, 384).open() is False


def test_unplug_and_replug_recovers_within_two_seconds(tmp_path):
    cam = RawCamera(tmp_path / "usb-Camera_USB_Camera-video-index0",
                    lambda seq: uvc_p2pro.frame(uvc_p2pro.scene(seq)))
    d = P2ProUvc(Options(device=str(cam.node)), BuildContext("thermal"), source_factory=cam.factory)
    d.open()
    try:
        frame = d.read(1.0)
        assert frame is not None and frame.celsius[100, 120] == pytest.approx(36.5, abs=0.02)
        cam.unplug()
        assert d.read(0.3) is None and d.state is DeviceState.RECONNECTING
        cam.replug()
        t0 = time.monotonic()
        frame = None
        while frame is None and time.monotonic() - t0 < 2.0:
            frame = d.read(0.2)
        assert frame is not None and d.state is DeviceState.OK
        assert d.counters["reconnects"] == 1 and cam.opens == 2
    finally:
        d.close()
    assert d.state is DeviceState.DOWN
