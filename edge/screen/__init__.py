"""The guard's screen: a plain view model (view.py) rendered to a BGR image (render.py),
shown fullscreen by window.py, with the guard's keypad workflow in keypad.py."""
from __future__ import annotations
