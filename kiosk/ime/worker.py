"""One thread that runs the input engines, so no keystroke can stall a UI frame.

``submit(call, done, key=...)`` queues ``call()``; ``done(result)`` is called on the worker
thread (the keyboard hands it back to the UI with its own scheduling). A newer submission
with the same key (a field) replaces an older one still waiting: a fast typist's stale
lookups are dropped, never run late. An exception in a call is logged and becomes an
``ImeUnavailable`` result; it never reaches the caller, and the thread carries on.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from kiosk.ime import ImeUnavailable

log = logging.getLogger(__name__)

Done = Callable[[Any], None]


class ImeWorker:
    def __init__(self, name: str = "ime worker") -> None:
        self._cond = threading.Condition()
        self._queue: OrderedDict[object, tuple[Callable[[], Any], Done | None]] = OrderedDict()
        self._closed = False
        self._anonymous = 0
        self.superseded = 0        # submissions dropped because a newer one replaced them
        self.completed = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, call: Callable[[], Any], done: Done | None = None, key: object = None) -> None:
        """Queue call(); a waiting submission with the same key (not None) is replaced."""
        with self._cond:
            if self._closed:
                raise RuntimeError("ImeWorker is closed")
            if key is None:
                self._anonymous += 1
                key = ("anonymous", self._anonymous)
            elif key in self._queue:
                del self._queue[key]
                self.superseded += 1
            self._queue[key] = (call, done)
            self._cond.notify()

    def idle(self, timeout: float = 10.0) -> bool:
        """Wait until nothing is queued or running (tests, shutdown)."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._queue and not self._busy, timeout)

    _busy = False

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._closed)
                if not self._queue:
                    return
                _, (call, done) = self._queue.popitem(last=False)
                self._busy = True
            try:
                try:
                    result: Any = call()
                except ImeUnavailable as exc:
                    log.error("input engine unavailable: %s", exc)
                    result = exc
                except Exception as exc:  # an engine bug must not kill the keyboard
                    log.exception("input engine failed")
                    result = ImeUnavailable(f"输入法出错（{type(exc).__name__}），请重试或改用其他输入方式")
                if done is not None:
                    try:
                        done(result)
                    except Exception:
                        log.exception("input result callback failed")
            finally:
                with self._cond:
                    self._busy = False
                    self.completed += 1
                    self._cond.notify_all()

    def close(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._closed = True
            self._queue.clear()
            self._cond.notify_all()
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
