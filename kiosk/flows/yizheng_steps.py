"""The steps of 一证通办 (kiosk/flows/yizheng.py), apart so that the flow's mixins (代办,
异地代收) name them without importing the flow."""

from __future__ import annotations

from enum import StrEnum


class Step(StrEnum):
    LOADING = "loading"
    ITEMS = "items"
    # 帮办代办 (docs/casework.md §6; kiosk/flows/yizheng_agent.py): the agent chose 为他人代办
    AGENT_PRINCIPAL = "agent_principal"    # the principal's ID card (or e-ID code)
    AGENT_RELATION = "agent_relation"
    AGENT_AUTHORITY = "agent_authority"    # 授权委托书 or the principal present
    AGENT_LETTER = "agent_letter"          # the letter photographed page by page
    DETAIL = "detail"
    COMPANY = "company"
    FORM = "form"
    # 异地代收 and paper materials (docs/casework.md §5, §7; kiosk/flows/yizheng_collect.py)
    MATERIALS = "materials"                # paper materials photographed
    DELIVERY = "delivery"                  # how the result comes back (post or pickup)
    CONFIRM = "confirm"
    SUBMITTING = "submitting"
    RESULT = "result"
    ERROR = "error"
