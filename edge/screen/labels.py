"""Every word the screen shows, in Chinese and English, and the banner colours.

Reason texts come from edge.reasons; this module holds the screen's own words.
"""
from __future__ import annotations

import dataclasses
from typing import Dict, Optional, Tuple

from edge import reasons
from edge.verdict import Verdict

BGR = Tuple[int, int, int]

WHITE: BGR = (255, 255, 255)
BLACK: BGR = (0, 0, 0)
GREY: BGR = (170, 170, 170)
OK_GREEN: BGR = (80, 210, 80)
WARN_YELLOW: BGR = (0, 215, 255)
BAD_RED: BGR = (60, 60, 255)
BACKGROUND: BGR = (28, 24, 22)
STATUS_BG: BGR = (48, 42, 38)


@dataclasses.dataclass(frozen=True)
class Banner:
    key: str
    zh: str
    en: str
    zh_sub: str  # default second line; a reason replaces it where the banner says so
    en_sub: str
    color: BGR  # background
    ink: BGR  # text colour with the highest contrast on ``color``
    reason_line: bool  # second line shows the first reason instead of the default


# High-contrast colour blocks; black text on the light ones (yellow, orange) because
# white on yellow is unreadable at 2 m.
BANNERS: Dict[str, Banner] = {b.key: b for b in (
    Banner("pass", "通过", "PASS", "", "", (0, 140, 0), WHITE, False),
    Banner("fever", "体温异常", "FEVER", "请到隔离观察区", "Go to the isolation room", (0, 0, 205), WHITE, False),
    Banner("retry", "请重测", "RETRY", "请重新测温", "Please measure again", (0, 215, 255), BLACK, True),
    Banner("deny", "禁止通行", "DENIED", "", "", (130, 0, 140), WHITE, True),
    Banner("fault", "设备故障", "FAULT", "请人工测温", "Manual screening", (0, 120, 255), BLACK, True),
    Banner("warmup", "预热中", "WARMING UP", "请人工测温", "Manual screening", (150, 90, 20), WHITE, False),
    Banner("idle", "请上前测温", "STEP UP", "请刷卡并正对屏幕", "Tap your card and face the screen",
           (70, 56, 46), WHITE, False),
)}

# Reasons that only repeat what a banner already says.
_BANNER_SAYS = {"fever": {"fever"}, "warmup": {"warming_up"}}
# The reasons a banner's second line should name first, when the record carries others too.
_BANNER_OWN = {"deny": reasons.POLICY_CODES, "fault": reasons.FAULT_CODES}

WORDS: Dict[str, Tuple[str, str]] = {
    "body": ("体温", "Body"),
    "secondary": ("复测体温", "Thermometer"),
    "stored": ("已记录", "stored"),
    "ack_hint": ("按回车键确认", "Press Enter to acknowledge"),
    "type_hint": ("用体温计复测 输入读数后按回车", "Type the thermometer reading, then Enter"),
    "no_thermal": ("无热像", "No thermal image"),
    "online": ("在线", "Online"),
    "offline": ("离线", "Offline"),
    "refused": ("上传被拒", "Refused"),  # connected, but the broker passes the records on to no one
    "disabled": ("本地", "Local"),
    "backlog": ("待传", "Queued"),
    "warmup": ("预热", "Warm-up"),
    "minutes": ("分钟", "min"),
    "ambient": ("环境", "Amb."),
    "passages": ("通行", "Passed"),
    "fevers": ("发热", "Fever"),
    "denials": ("拒绝", "Denied"),
    "thermal": ("测温", "Thermal"),
    "card": ("读卡", "Card"),
    "light": ("灯", "Light"),
    "reconnecting": ("重连中", "reconnecting"),
    "down": ("故障", "down"),
    "disk_full": ("磁盘已满", "Disk full"),
    "bad_reading": ("读数无效 请输入 34.0-43.0", "Invalid reading: enter 34.0-43.0"),
    "card_first": ("未记录: 请在刷卡后显示该人员时输入", "Not recorded: type it once the passage is on screen"),
    "not_recorded": ("未记录: 请在该人员显示时输入", "Not recorded: type it while the person is shown"),
}


def word(key: str, language: str) -> str:
    pair = WORDS.get(key)
    if pair is None:
        return key
    return pair[0] if language == "zh" else pair[1]


def banner_for(verdict: Optional[Verdict], warming_up: bool, thermal_ok: bool = True) -> Banner:
    if verdict is not None:
        return BANNERS[verdict.value]
    if not thermal_ok:  # nobody to measure with: not "step up", but manual screening at once
        return BANNERS["fault"]
    return BANNERS["warmup" if warming_up else "idle"]


def banner_lines(banner: Banner, codes: Tuple[str, ...], language: str) -> Tuple[str, str, Tuple[str, ...]]:
    """(title, second line, remaining reason texts for the info panel)."""
    zh = language == "zh"
    title = banner.zh if zh else banner.en
    sub = banner.zh_sub if zh else banner.en_sub
    rest = [c for c in codes if c not in _BANNER_SAYS.get(banner.key, set())]
    if banner.reason_line and rest:
        own = _BANNER_OWN.get(banner.key, frozenset())
        first = next((c for c in rest if c in own), rest[0])  # the verdict's own reason before any hint
        sub = reasons.text(first, language)
        rest = [c for c in rest if c != first]
    return title, sub, tuple(_flag(c, banner.key, language) for c in rest)


def _flag(code: str, banner_key: str, language: str) -> str:
    """A reason's text. Beside PASS a policy reason is a soft flag (policy level 'soft'): its
    text says what a hard rule would ("may not pass"), so it is marked as passing."""
    text = reasons.text(code, language)
    if banner_key == "pass" and code in reasons.POLICY_CODES and code != "visitor":
        return ("提示(可通行): " if language == "zh" else "Flag, may pass: ") + text
    return text
