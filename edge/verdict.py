"""The five verdicts of a passage and how screening and policy combine into one."""
from __future__ import annotations

import enum


class Verdict(str, enum.Enum):
    PASS = "pass"
    FEVER = "fever"
    RETRY = "retry"
    DENY = "deny"
    FAULT = "fault"


# Which verdict wins when screening and policy disagree. A fault means nobody
# screened the person, so it outranks everything; a fever outranks a denial because
# the person must go to the isolation room either way; a denial outranks a retry
# (measuring again would not let them in).
_RANK = {Verdict.FAULT: 0, Verdict.FEVER: 1, Verdict.DENY: 2, Verdict.RETRY: 3, Verdict.PASS: 4}


def worst(*verdicts: Verdict) -> Verdict:
    return min(verdicts, key=_RANK.__getitem__)
