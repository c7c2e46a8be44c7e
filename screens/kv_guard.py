"""A kv rule bound to another object (``app.theme.font_m``) outliving its widget.

Kivy unbinds a widget's rule bindings from a weak-reference callback when the widget is
collected. A widget that dies in a reference cycle (collected by the cyclic GC together with
its own proxy) never gets that callback, so the binding stays: the next change of the other
object (the 适老化 switch changing every font size) evaluates the rule on a dead proxy and
raises ReferenceError out of the property's dispatch, which would end the kiosk. A dead
widget has nothing left to update, so its rule is skipped here instead.
"""

from __future__ import annotations

import logging
from typing import Any

import kivy.lang.builder as builder

log = logging.getLogger(__name__)

_original = builder.call_fn


def _call_fn(args: Any, instance: Any, value: Any) -> None:
    try:
        _original(args, instance, value)
    except ReferenceError:
        log.debug("kv rule of a collected widget skipped (%s)", args[1])


def install() -> None:
    """Before any rule is applied (screens.common.kv.load_kv): the builder looks call_fn up
    when it binds a rule, so every rule bound afterwards goes through the guard."""
    builder.call_fn = _call_fn
