"""Every screen state at every common size: banner colour and area, text where it
belongs, nothing drawn over the status bar, the caches doing their job."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from edge import reasons as reasons_module
from edge.screen import labels
from edge.screen.canned import STATES, canned_view, synthetic_frame
from edge.screen.layout import COMMON_SIZES, inside, overlaps
from edge.screen.render import Renderer, make_renderer
from edge.screen.view import ScreenView, StatusBar
from edge.verdict import Verdict

SIZES = [f"{w}x{h}" for w, h in COMMON_SIZES]


@pytest.fixture(scope="module", params=SIZES)
def renderer(request: pytest.FixtureRequest) -> Renderer:
    return make_renderer("zh", request.param)


def _region_mask(rendered, rect) -> np.ndarray:
    x, y, w, h = rect
    return rendered.text_mask[y:y + h, x:x + w]


@pytest.mark.parametrize("state", STATES)
def test_state_banner_colour_area_and_text(renderer: Renderer, state: str) -> None:
    view = canned_view(state)
    out = renderer.render_layers(view)
    lay = out.layout
    assert out.image.shape == (lay.height, lay.width, 3) and out.image.dtype == np.uint8
    banner = labels.banner_for(view.verdict, view.warming_up)
    bx, by, bw, bh = lay.banner
    # The banner is a big block: a quarter to a half of the screen, full width.
    assert bw == lay.width and 0.25 <= bh / lay.height <= 0.45
    block = out.image[by:by + bh, bx:bx + bw]
    same = np.all(block == np.array(banner.color, dtype=np.uint8), axis=2)
    assert same.mean() > 0.6, f"banner of {state} is not mostly {banner.color}"
    # The title is drawn there, in the banner's ink, and it is the word the guard expects.
    title, _sub, _rest = labels.banner_lines(banner, view.reasons, renderer.language)
    banner_texts = [text for region, _box, text in out.boxes if region == "banner"]
    assert banner_texts and banner_texts[0] == title
    assert _region_mask(out, lay.banner).max() == 255
    ink = np.all(block == np.array(banner.ink, dtype=np.uint8), axis=2)
    assert ink.sum() > 0.02 * bw * bh  # large letters, not a speck
    # The status bar always carries text; everything else stays out of it.
    assert _region_mask(out, lay.status).max() > 0
    for region, box, text in out.boxes:
        assert inside(box, dict(lay.regions())[region]), f"{text!r} leaves {region}"
        if region != "status":
            assert not overlaps(box, lay.status), f"{text!r} overlaps the status bar"
    status_rows = out.text_mask[lay.status[1]:]
    status_boxes = [box for region, box, _t in out.boxes if region == "status"]
    covered = np.zeros_like(status_rows, dtype=bool)
    for x, y, w, h in status_boxes:
        covered[y - lay.status[1]:y - lay.status[1] + h, x:x + w] = True
    assert not (status_rows[~covered] > 0).any()


@pytest.mark.parametrize("state", ["pass", "fever", "deny"])
def test_person_and_temperature_in_info_panel(renderer: Renderer, state: str) -> None:
    view = canned_view(state)
    out = renderer.render_layers(view)
    info_texts = [text for region, _box, text in out.boxes if region == "info"]
    assert any(f"{view.body_c:.1f}" in text for text in info_texts)
    if view.name:
        assert any(view.name in text and view.group in text for text in info_texts)
    assert _region_mask(out, out.layout.info).max() == 255


def test_thermal_view_colour_map_and_face_box(renderer: Renderer) -> None:
    view = canned_view("pass")
    out = renderer.render_layers(view)
    x, y, w, h = out.layout.thermal
    area = out.image[y:y + h, x:x + w].reshape(-1, 3).astype(np.int32)
    colours = np.unique((area[:, 0] << 16) | (area[:, 1] << 8) | area[:, 2])
    assert len(colours) > 50  # a colour-mapped picture, not a flat fill
    assert any(region == "thermal" and text.startswith(f"{view.reading_c:.1f}") for region, _b, text in out.boxes)
    fault = renderer.render_layers(canned_view("fault"))  # no frame: a plain placeholder says so
    assert [t for r, _b, t in fault.boxes if r == "thermal"] == [labels.word("no_thermal", renderer.language)]


def test_english_screen() -> None:
    out = make_renderer("en", "800x480").render_layers(canned_view("fever"))
    assert [t for r, _b, t in out.boxes if r == "banner"][:2] == ["FEVER", "Go to the isolation room"]


@pytest.mark.parametrize("verdict,codes,sub", [
    (Verdict.DENY, ("too_far", "quarantine"), "Under quarantine: may not pass"),
    (Verdict.DENY, ("left_too_soon", "card_unknown"), "Card not registered"),
    (Verdict.FAULT, ("too_far", "card_down"), "Card reader fault: check manually"),
    (Verdict.RETRY, ("too_far",), "Step closer"),
])
def test_a_banner_names_its_own_verdict_s_reason_before_a_screening_hint(verdict, codes, sub) -> None:
    """A pupil in quarantine who also stood too far is DENIED 'under quarantine', not 'step
    closer'; a card reader fault with a retry hint says manual check."""
    title, second, rest = labels.banner_lines(labels.banner_for(verdict, False), codes, "en")
    assert second == sub and len(rest) == len(codes) - 1
    assert {"quarantine", "exit_not_approved", "return_not_open", "health_card_missing", "health_card_abnormal",
            "not_dorm_resident", "not_area_resident", "card_unknown", "no_roster", "visitor_not_allowed",
            "date_unverified"} <= reasons_module.POLICY_CODES


def test_a_soft_policy_flag_beside_pass_is_marked_as_passing() -> None:
    """quarantine: soft passes with a flag; its text alone says 'may not pass'."""
    _title, _sub, rest = labels.banner_lines(labels.banner_for(Verdict.PASS, False), ("quarantine",), "en")
    assert rest == ("Flag, may pass: Under quarantine: may not pass",)
    _title, _sub, rest = labels.banner_lines(labels.banner_for(Verdict.PASS, False), ("visitor",), "zh")
    assert rest == ("访客 请登记并测温",)  # a visitor's note is no rule: as it is
    _title, _sub, rest = labels.banner_lines(labels.banner_for(Verdict.DENY, False), ("card_unknown", "quarantine"),
                                             "en")
    assert rest == ("Under quarantine: may not pass",)  # beside DENIED it is the rule itself


@pytest.mark.parametrize("language,title,sub", [("en", "FAULT", "Manual screening"), ("zh", "设备故障", "请人工测温")])
def test_with_the_thermal_sensor_down_the_idle_screen_asks_for_manual_screening(language, title, sub) -> None:
    """Not 'step up': nobody can be measured, whether or not a card is tapped."""
    view = canned_view("idle")
    view = dataclasses.replace(view, status=dataclasses.replace(view.status, devices={"thermal": "down", "card": "ok"}))
    banner = [t for region, _b, t in make_renderer(language, "800x480").render_layers(view).boxes if region == "banner"]
    assert banner[:2] == [title, sub]


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("sync", ["offline", "refused"])
def test_long_reasons_and_crowded_status_still_fit(language: str, sync: str) -> None:
    renderer = make_renderer(language, "800x480")
    status = StatusBar(clock="23:59:59", sync=sync, backlog=123456,
                       devices={"thermal": "reconnecting", "card": "down", "light": "down", "door": "down"},
                       warmup_min=29.0, ambient_c=-12.5, passages=99999, fevers=999, denials=9999,
                       flags=("disk_full",))
    view = ScreenView(verdict=Verdict.DENY, reasons=("quarantine_until_2020_03_01_household_contact_" * 3,
                                                     "too_cold", "several_people", "left_too_soon"),
                      name="Alexandria Ocasio-Fitzgerald-Montgomery", group="Grade 12 International Class B",
                      body_c=36.4, status=status)
    out = renderer.render_layers(view)
    regions = dict(out.layout.regions())
    assert {r for r, _b, _t in out.boxes} >= {"banner", "info", "status"}
    for region, box, text in out.boxes:
        assert inside(box, regions[region]), f"{text!r} leaves {region}"
    assert any(labels.word("disk_full", language) == t for r, _b, t in out.boxes if r == "status")
    assert any(t.startswith(labels.word(sync, language)) for r, _b, t in out.boxes if r == "status")


def test_static_layer_and_text_are_cached() -> None:
    renderer = make_renderer("zh", "1024x600")
    view = canned_view("pass")
    renderer.render(view)
    builds, rasterized = renderer.static_builds, renderer.texts.rasterized
    for peak in (36.2, 36.9, 37.0):  # new frames and readings: only the thermal layer changes
        frame, box = synthetic_frame(peak)
        renderer.render(dataclasses.replace(view, thermal=frame, face_box=box))
    assert renderer.static_builds == builds and renderer.texts.rasterized == rasterized
    renderer.render(canned_view("fever"))
    renderer.render(view)  # back to a view drawn before: layer rebuilt, every string from the cache
    assert renderer.static_builds == builds + 2
    rasterized = renderer.texts.rasterized
    renderer.render(canned_view("fever"))
    assert renderer.texts.rasterized == rasterized


def test_rendered_frame_is_the_callers() -> None:
    renderer = make_renderer("zh", "800x480")
    first = renderer.render(canned_view("pass"))
    kept = first.copy()
    renderer.render(canned_view("fever"))
    assert np.array_equal(first, kept)


def test_bad_sizes_are_refused() -> None:
    for size in ("1024*600", "100x80", "600x1024"):
        with pytest.raises(ValueError):
            make_renderer("zh", size)
