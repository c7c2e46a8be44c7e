"""帮办代办 on the items page: the bar above the list (为他人代办, or while acting for someone
正在为 张* 代办 with 更换被代办人 and 结束代办) and the mark on items the catalogue forbids
代办 for (本事项须本人办理，不可代办: greyed, refused up front by the flow)."""

from __future__ import annotations

from collections.abc import Callable

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.flows.yizheng import ItemView, YizhengFlow

from ..widgets import BigButton, WrapLabel
from . import words as yz_words


def agent_key(flow: YizhengFlow) -> tuple[object, ...]:
    """What the bar and the marks show (the items screen rebuilds when it changes)."""
    view = flow.agent_view()
    return (view.acting, view.principal_masked, view.relation, flow.error)


def refused_here(flow: YizhengFlow, view: ItemView) -> bool:
    return flow.agent_refuses(view.code)


def agent_bar(flow: YizhengFlow, act: Callable[[str], None]) -> Widget:
    """The bar; ``act(name)`` is called with ``start`` or ``stop``."""
    view = flow.agent_view()
    bar = BoxLayout(size_hint_y=None, spacing=dp(20))
    if view.acting:
        label = WrapLabel(text=yz_words.AGENT_ACTING.format(principal=view.principal_masked,
                                                            relation=view.relation),
                          style="m", tone="primary", bold=True)
        bar.add_widget(label)
        buttons = [BigButton(text=yz_words.AGENT_CHANGE, kind="secondary", size_hint_x=None, width=dp(300)),
                   BigButton(text=yz_words.AGENT_STOP, kind="secondary", size_hint_x=None, width=dp(240))]
        buttons[0].bind(on_release=lambda *_: act("start"))
        buttons[1].bind(on_release=lambda *_: act("stop"))
    else:
        bar.add_widget(WrapLabel(text="替家人或他人办理？", style="m", tone="muted"))
        buttons = [BigButton(text=yz_words.AGENT_BUTTON, kind="secondary", size_hint_x=None, width=dp(300))]
        buttons[0].bind(on_release=lambda *_: act("start"))
    for button in buttons:
        bar.add_widget(button)

    def fit(*_: object) -> None:
        bar.height = max([bar.children[-1].height] + [b.height for b in buttons])

    for widget in [bar.children[-1], *buttons]:
        widget.bind(height=fit)
    fit()
    return bar
