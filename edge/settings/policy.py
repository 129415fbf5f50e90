from __future__ import annotations

import dataclasses
from typing import Optional

from edge.settings.fields import setting


@dataclasses.dataclass
class PolicySettings:
    """Who may pass this gate (DESIGN.md section 1)."""

    roster_file: Optional[str] = setting(None, doc="Local roster CSV (person_id,name,card,...); imported at start when set.")
    unknown_card: bool = setting(True, doc="Deny cards that are not in the roster (false: pass with a flag).")
