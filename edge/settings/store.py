from __future__ import annotations

import dataclasses

from edge.settings.fields import setting


@dataclasses.dataclass
class StoreSettings:
    """Local SQLite database: passages and the outbox, the source of truth."""

    path: str = setting("data/gate-edge.db", doc="SQLite file (relative paths are relative to the working directory).")
    retention_days: int = setting(30, min=1, max=3650, doc="Synced passages older than this are purged.")
