"""What to say after "unknown time zone 'X'": the edit-distance "did you mean" of other keys
is wrong here in a way that costs days. 'UTC+8' is one letter from 'UTC' and 'CST' from
'UCT', and following either moves the school's day change (quarantine and return dates) to
08:00 in China; 'Asia/Beijing' is close to 'Asia/Brunei'. So offsets, abbreviations and
Chinese names are answered first, and zones that are only an offset are never guessed.
"""
from __future__ import annotations

import difflib
import re
from typing import Iterable, Optional

from edge.settings.suggest import did_you_mean

CHINA = "Asia/Shanghai"
EXPECTED = f" (expected an IANA name such as {CHINA})"

#: What people write for China's time (lower case, without spaces, '_' and '-'); 'CST-8' is
#: the POSIX TZ form. 'PRC' and 'Asia/Chongqing' are IANA names already and load as they are.
CHINA_NAMES = frozenset({
    "cst", "cst8", "cst+8", "china", "chinastandardtime", "chinatime", "beijing", "beijingtime",
    "peking", "asia/beijing", "asia/peking", "asia/china", "china/beijing", "china/shanghai",
    "北京", "北京时间", "中国", "中国时间", "中国标准时间", "东八区",
})

#: 'UTC+8', 'GMT +08:00', '+0800', 'UTC8' (no sign: POSIX reads that as UTC-8, people as +8).
_OFFSET = re.compile(r"(?:(?P<base>UTC|GMT|UT)\s*)?(?P<sign>[+-])?\s*(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?",
                     re.IGNORECASE)

#: Zone names that are an offset and nothing else, or the system's own setting (which may be
#: UTC on a freshly flashed card): never a guess for a place's name.
_NOT_A_PLACE = frozenset({"UTC", "UCT", "GMT", "GMT0", "GMT+0", "GMT-0", "Greenwich", "Universal", "Zulu",
                          "localtime", "posixrules", "Factory"})


def _offset_minutes(name: str) -> Optional[int]:
    """The offset ``name`` spells, None when it is not one; -1 for a non-zero one without a sign."""
    found = _OFFSET.fullmatch(name.strip())
    if found is None or not (found["base"] or found["sign"]):  # a bare number is not an offset
        return None
    hours, minutes = int(found["h"]), int(found["m"] or 0)
    if hours > 14 or minutes >= 60:
        return None
    total = hours * 60 + minutes
    if found["sign"] is None and total:
        return -1
    return -total if found["sign"] == "-" else total


def zone_hint(name: str, zones: Iterable[str]) -> str:
    """The rest of the message after "unknown time zone 'NAME'"; ``zones``: the known names."""
    key = re.sub(r"[\s_-]", "", name.lower())
    # Near spellings ('Bejing') count, but not for short words: one letter from 'cst' is another abbreviation.
    if key in CHINA_NAMES or (len(key) >= 5 and difflib.get_close_matches(key, CHINA_NAMES, n=1, cutoff=0.85)):
        also = "; 'CST' also stands for US Central time, America/Chicago" if name.strip().upper() == "CST" else ""
        return f"; did you mean '{CHINA}'? (the IANA name of China's time, UTC+8{also})"
    offset = _offset_minutes(name)
    if offset == 8 * 60:
        return f"; did you mean '{CHINA}'? (an offset is not a time zone: China's IANA name is {CHINA}, UTC+8)"
    if offset == 0:
        return f"; did you mean 'UTC'?{EXPECTED}"
    if offset is not None:
        return (f"; an offset is not a time zone: expected the IANA name of the school's place,"
                f" e.g. {CHINA} for UTC+8")
    options = list(zones)
    exact = [z for z in options if z.lower() == name.lower()][:1]  # 'utc', 'asia/shanghai'
    if exact:
        return f"; did you mean '{exact[0]}'?{EXPECTED}"
    if name.strip().isupper() and len(name.strip()) <= 5:
        # An abbreviation one letter from another ('PST' -> 'MST') is another offset, not a typo.
        return EXPECTED
    places = [z for z in options if z not in _NOT_A_PLACE and not z.startswith("Etc/")]
    return did_you_mean(name, places) + EXPECTED
