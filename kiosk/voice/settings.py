"""The ``[voice]`` settings: spoken prompts (part of the configuration, kiosk.config)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator

from kiosk.config_devices import Strict


class VoiceSettings(Strict):
    # "elderly": prompts are spoken while the 适老化 mode is on; "always": on every screen;
    # "off": never (the technician's sound check still plays).
    mode: Literal["elderly", "always", "off"] = "elderly"
    volume: Annotated[int, Field(ge=0, le=100)] = 80
    # A province's recorded voice: <pack>/<prompt id>.wav (16-bit PCM) wins over synthesis.
    pack: Path | None = None
    # The ALSA device aplay plays to ("default", "plughw:1,0", "null" for CI).
    device: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:,=-]{1,80}$")] = "default"
    # espeak-ng's Mandarin voice; speed in words per minute (slower for elderly citizens than
    # espeak-ng's 175) and pitch 0-99. cmn-latn-pinyin, not cmn: Debian 12's espeak-ng 1.51
    # `cmn` turns the characters into pinyin and reads that with English rules ("(en)kI55N"
    # for 请), which nobody understands; cmn-latn-pinyin reads them as Mandarin.
    engine: Literal["espeak-ng"] = "espeak-ng"
    espeak_voice: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]{1,30}$")] = "cmn-latn-pinyin"
    rate: Annotated[int, Field(ge=80, le=450)] = 150
    pitch: Annotated[int, Field(ge=0, le=99)] = 50

    @field_validator("pack")
    @classmethod
    def _pack_is_a_folder(cls, value: Path | None) -> Path | None:
        # A pack that is not there is a wrong setting, not a reason to go quietly synthetic.
        if value is not None and not value.is_dir():
            raise ValueError(f"voice pack {str(value)[:80]} is not a folder (of <prompt id>.wav files)")
        return value
