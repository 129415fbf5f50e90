"""Checks of the files a config names, for the commands that read them (check-config, run, replay).

Not part of plain validation: ``gate-edge calibrate`` loads the config to write the
calibration file it names, which need not exist yet there.
"""
from __future__ import annotations

from typing import Callable, List, Optional, Tuple

from yaml.nodes import Node

from edge.calibration import CalibrationError, load_calibration
from edge.settings.errors import ConfigIssue
from edge.settings.nodes import key_node
from edge.settings.root import GateConfig

#: A check of one file: (config, composed YAML root, file name) -> problems.
FileCheck = Callable[[GateConfig, Optional[Node], str], List[ConfigIssue]]


def issue_at(root: Optional[Node], dotted: str, name: str, message: str) -> ConfigIssue:
    """A problem reported at the line of key ``dotted`` (no line when the key is not given)."""
    key = key_node(root, dotted)
    return ConfigIssue(name, None if key is None else key.start_mark.line + 1, dotted, message)


def calibration_file(config: GateConfig, root: Optional[Node], name: str) -> List[ConfigIssue]:
    """The daemon loads the calibration file at start and stops on a CalibrationError."""
    path = config.screening.calibration_file
    if not path:
        return []
    try:
        load_calibration(path)
    except CalibrationError as exc:
        return [issue_at(root, "screening.calibration_file", name, str(exc))]
    return []


#: What the daemon opens at start and would stop on. Only these may fail check-config: the
#: unit runs it before every start, so a file the daemon would only fall back from (the
#: roster CSV) must not keep the gate from screening; check-config warns about it instead.
START_CHECKS: Tuple[FileCheck, ...] = (calibration_file,)
