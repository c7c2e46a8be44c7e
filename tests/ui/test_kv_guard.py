"""A rule whose widget died in a reference cycle (Kivy never unbound it) is skipped, not
raised out of the other object's property change (the 适老化 switch)."""

from __future__ import annotations

import gc

import kivy.lang.builder as builder
from kivy.event import EventDispatcher
from kivy.properties import NumericProperty
from kivy.weakproxy import WeakProxy

from screens import kv_guard


class Source(EventDispatcher):
    size = NumericProperty(10)


class Target:
    font_size = 0.0


def test_a_rule_of_a_collected_widget_is_skipped_and_a_live_one_still_applies() -> None:
    kv_guard.install()
    dead = Target()
    proxy = WeakProxy(dead)
    del dead
    gc.collect()
    code = compile("source.size * 2", "<rule>", "eval")
    dead_args = [proxy, "font_size", code, type("Rule", (), {"count": 0, "value": "source.size * 2"})(), {"source": Source()}]
    try:
        kv_guard._original(dead_args, None, None)
    except ReferenceError:
        pass
    else:
        raise AssertionError("Kivy's own call_fn no longer raises on a dead widget: drop the guard")
    builder.call_fn(dead_args, None, None)   # setattr on the dead proxy: ReferenceError, skipped

    live = Target()
    source = Source(size=12)
    builder.call_fn([live, "font_size", code, type("Rule", (), {"count": 0, "value": "source.size * 2"})(), {"source": source}],
                    None, None)
    assert live.font_size == 24
