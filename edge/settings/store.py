from __future__ import annotations

import dataclasses

from edge.settings.checks import file_path
from edge.settings.fields import setting


@dataclasses.dataclass
class StoreSettings:
    """Local SQLite database: passages and the outbox, the source of truth."""

    path: str = setting("data/gate-edge.db", check=file_path, doc="SQLite file (relative paths are relative to the working directory).")
    retention_days: int = setting(30, min=1, max=3650, doc="Synced passages older than this are purged (without"
                                  " an mqtt section: every passage, since none is ever sent).")
    max_db_mb: int = setting(1024, min=1, max=1_000_000,
                             doc="Cap on the data held in the database (MB). Above it the oldest synced passages"
                                 " are dropped first, then the oldest unsynced non-alert ones; an unsynced fever or"
                                 " fault record, or one with an unsent secondary check, is never dropped.")
    maintenance_interval_min: float = setting(60.0, min=1, max=1440,
                                              doc="Minutes between retention runs (purge, size cap, WAL checkpoint,"
                                                  " VACUUM when worthwhile).")
