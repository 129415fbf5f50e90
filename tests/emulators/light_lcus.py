"""LCUS relay board emulator: decodes ``A0 CH STATE SUM`` commands into relay states."""
from __future__ import annotations

from typing import Dict, List, Tuple


class LcusBoard:
    def __init__(self, channels: int = 4) -> None:
        self.relays: Dict[int, bool] = {ch: False for ch in range(1, channels + 1)}
        self.commands: List[Tuple[int, bool]] = []
        self.bad = 0
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        self._buf += data
        while len(self._buf) >= 4:
            cmd = bytes(self._buf[:4])
            if cmd[0] != 0xA0 or cmd[1] not in self.relays or cmd[2] > 1 or cmd[3] != sum(cmd[:3]) & 0xFF:
                self.bad += 1
                del self._buf[:1]
                continue
            del self._buf[:4]
            self.relays[cmd[1]] = bool(cmd[2])
            self.commands.append((cmd[1], bool(cmd[2])))

    def reset(self) -> None:
        """Power cycle (USB replug): all relays released."""
        for ch in self.relays:
            self.relays[ch] = False
        self._buf.clear()
