"""ESC/POS byte stream -> commands and text, for the receipt printer simulator.

The parser is incremental: ``feed()`` takes whatever a socket read returned and yields every
item complete so far, keeping a partial command for the next read.

Commands are measured by the one ESC/POS table (commands.py). Text is decoded here because
its encoding is stream state: in Chinese mode (``FS &``, and the power-on default of the
Chinese printers python-escpos targets, which sends raw GB18030 without ``FS &``) bytes are
GB18030; after ``FS .`` single bytes use the ``ESC t`` code page.

The output does not depend on how the stream was cut into reads: a GB18030 character split
across two feeds is kept undecoded (an incremental decoder) until its last byte arrives, and
a control byte ends an unfinished character in the same way whether it came in the same
read or a later one (the unfinished bytes become one replacement mark, ``Text`` of size 0).
Items may be grouped differently (a run of text split across reads comes as two ``Text``),
but joined text, commands and sizes are the same. The exception: a command whose size cannot
be known until more than MAX_COMMAND_BYTES of it have arrived (ESC & with huge glyphs) is
dropped as far as has arrived, which depends on the reads.

Errors: ``feed`` raises nothing for any bytes. Unknown control bytes are dropped, bad
text becomes U+FFFD, an oversized command is skipped as ``Command("oversized", ...)``.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from .commands import Length, Prefixed, match, parameter_size

# A command whose declared data is larger than this is skipped without being buffered: a
# garbled length must not make the simulator hold gigabytes.
MAX_COMMAND_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Command:
    name: str
    params: bytes  # after the prefix; for length-prefixed commands, after the length too
    size: int      # bytes this took on the wire, prefix included


@dataclass(frozen=True)
class Text:
    text: str
    size: int


Item = Command | Text

# ESC t n -> Python codec, for the code pages a profile commonly names; others fall back.
CODE_PAGES: dict[int, str] = {
    0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865", 16: "cp1252", 17: "cp866",
    18: "cp852", 19: "cp858", 21: "cp874", 33: "cp775", 34: "cp855", 35: "cp857",
    36: "cp862", 37: "cp864", 45: "cp1250", 46: "cp1251", 47: "cp1253", 48: "cp1254",
    49: "cp1255", 50: "cp1257", 51: "cp1258", 255: "cp437",
}


class EscPosParser:
    """Incremental ESC/POS parser: ``feed(bytes) -> list[Item]``."""

    def __init__(self, chinese_default: bool = True) -> None:
        self._chinese_default = chinese_default
        self._buf = b""
        self._skip = 0  # bytes of an oversized command still to drop
        self._chinese = chinese_default
        self._code_page = "cp437"
        self._gb = codecs.getincrementaldecoder("gb18030")(errors="replace")

    @property
    def pending(self) -> int:
        """Bytes held for an incomplete command or character."""
        return len(self._buf) + self._skip

    def feed(self, data: bytes) -> list[Item]:
        items: list[Item] = []
        if self._skip:
            dropped = min(self._skip, len(data))
            self._skip -= dropped
            data = data[dropped:]
        buf = self._buf + data
        pos = 0
        while pos < len(buf):
            if buf[pos] < 0x20:
                # Any control byte ends a half-received character, here or in the read that
                # brought it; its bytes print as one replacement mark.
                rest = self._gb.decode(b"", final=True)
                if rest:
                    items.append(Text(_printable(rest), 0))
            item, used = self._next(buf, pos)
            if used == 0:
                break
            pos += used
            if item is not None:
                items.append(item)
        self._buf = buf[pos:]
        return items

    def _next(self, buf: bytes, pos: int) -> tuple[Item | None, int]:
        byte = buf[pos]
        if byte >= 0x20:
            return self._text(buf, pos)
        command = match(buf, pos)
        if command is None:
            return None, 0
        if not command:  # a control byte or DLE pair without meaning: dropped
            return None, 1
        key, name, length = command
        return self._command(buf, pos, key, name, length)

    def _command(
        self, buf: bytes, pos: int, key: bytes, name: str, length: Length
    ) -> tuple[Item | None, int]:
        start = pos + len(key)
        size = parameter_size(length, buf, start)
        if size is None:
            if isinstance(length, Prefixed) or len(buf) - start <= MAX_COMMAND_BYTES:
                return None, 0
            size = (0, len(buf) - start)  # cannot be measured: drop what is here
        skip_header, count = size
        total = len(key) + skip_header + count
        if count > MAX_COMMAND_BYTES:
            held = len(buf) - pos
            self._skip = total - held if total > held else 0
            return Command("oversized", key, total), min(total, held)
        if len(buf) - pos < total:
            return None, 0
        params = buf[start + skip_header : pos + total]
        self._track_encoding(name, params)
        return Command(name, params, total), total

    def _track_encoding(self, name: str, params: bytes) -> None:
        if name == "init":
            self._chinese = self._chinese_default
            self._code_page = "cp437"
            self._gb.reset()
        elif name == "chinese_on":
            self._chinese = True
        elif name == "chinese_off":
            self._chinese = False
            self._gb.reset()
        elif name == "code_page" and params:
            self._code_page = CODE_PAGES.get(params[0], "cp437")

    def _text(self, buf: bytes, pos: int) -> tuple[Item | None, int]:
        end = pos
        while end < len(buf) and buf[end] >= 0x20:
            end += 1
        run = buf[pos:end]
        if self._chinese:
            # At the end of what has arrived, a multi-byte character may be cut in two: the
            # incremental decoder keeps its first bytes for the next read. A control byte
            # after the run ends any unfinished character (feed() flushes the decoder there).
            text = self._gb.decode(run)
        else:
            text = run.decode(self._code_page, errors="replace")
        return (Text(_printable(text), len(run)) if text or run else None), len(run)


def _printable(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable())
