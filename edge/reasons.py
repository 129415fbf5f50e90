"""Every reason code a passage can carry, with the guard-facing text, in one place.

A reason code is stable (it goes into records and the school's ledger); the texts are
what the screen shows. Add new codes here, never inline elsewhere.
"""
from __future__ import annotations

import dataclasses
from typing import Dict


@dataclasses.dataclass(frozen=True)
class Reason:
    code: str
    zh: str
    en: str


_ALL = [
    # screening
    Reason("fever", "体温异常 请到隔离观察区", "Fever: go to the isolation room"),
    Reason("no_measurement", "未测到体温 请重测", "No temperature taken: please retry"),
    Reason("several_people", "请一人一测", "One at a time"),
    Reason("too_far", "请靠近一点", "Step closer"),
    Reason("too_close", "请后退一点", "Step back"),
    Reason("left_too_soon", "请稍停留", "Please stand still a moment"),
    Reason("too_cold", "体表过冷 请在室内等候几分钟再测", "Too cold: wait indoors a few minutes"),
    Reason("implausible", "读数异常 请重测", "Implausible reading: retry"),
    Reason("no_card", "请刷卡", "Please tap your card"),
    Reason("two_cards", "两张卡 请逐个刷卡", "Two cards at once: tap again one at a time"),
    Reason("tap_again", "请测温时重新刷卡", "Tap your card again while being measured"),
    Reason("warming_up", "设备预热中 请人工测温", "Warming up: manual screening"),
    Reason("reference_missing", "黑体参考异常 请人工测温", "Blackbody reference missing: manual screening"),
    Reason("shutter", "设备校准中 请重测", "Sensor calibrating: please retry"),
    # devices
    Reason("thermal_down", "测温设备故障 请人工测温", "Thermal sensor fault: manual screening"),
    Reason("card_down", "读卡器故障 请人工核验", "Card reader fault: check manually"),
    # policy
    Reason("card_unknown", "卡未登记", "Card not registered"),
    Reason("no_roster", "未加载名单", "No roster loaded"),
    Reason("return_not_open", "未经学校批准不得提前返校", "Return batch not open yet: no early return"),
    Reason("exit_not_approved", "非经批准不得离开校园", "No exit approval: may not leave campus"),
    Reason("date_unverified", "设备时间未校准 请人工核验离校批准", "Clock not synchronized: check the exit approval"),
    Reason("quarantine", "隔离观察期未满 不得通行", "Under quarantine: may not pass"),
    Reason("health_card_missing", "未填报健康卡", "Health card not filled in"),
    Reason("health_card_abnormal", "健康卡异常 请联系校医", "Health card abnormal: see the school doctor"),
    Reason("not_dorm_resident", "非本宿舍楼住宿人员", "Not a resident of this dormitory"),
    Reason("not_area_resident", "非家属区人员 请登记", "Not a resident of this area: register as visitor"),
    Reason("visitor", "访客 请登记并测温", "Visitor: register and take temperature"),
    Reason("visitor_not_allowed", "无关人员不得进入校园", "Visitors may not enter"),
]

REASONS: Dict[str, Reason] = {r.code: r for r in _ALL}

#: The codes that make a passage a FAULT (manual screening) and a DENY: a banner of that
#: verdict names one of these first, not a screening hint that came along ("step closer").
FAULT_CODES = frozenset({"thermal_down", "card_down", "reference_missing", "warming_up"})
POLICY_CODES = frozenset(r.code for r in _ALL[_ALL.index(REASONS["card_unknown"]):])  # the policy section


def text(code: str, language: str = "zh") -> str:
    reason = REASONS.get(code)
    if reason is None:
        return code
    return reason.zh if language == "zh" else reason.en
