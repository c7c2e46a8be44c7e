"""一证通办 with a real central (run by tests/ui/test_yizheng_ui.py): 张三 (the demo card the
seeded central knows, with his licences and companies) files applications through the real
screens with real touches, online, with central stopped, and for his company.

Site timing for this group: idle timeout 90 s (a delivery wait is not a citizen's idleness).
"""

from __future__ import annotations

import time
from typing import Any

ITEM = "城乡居民基本养老保险参保登记"
OFFLINE_ITEM = "不动产登记资料查询"   # phone and two choices: little to type
COMPANY_ITEM = "企业营业执照补领"
USCC = "91140500MA0KD3N58X"        # 晋城市太行示例科技有限公司, legal representative 张三
WRONG_USCC = USCC[:-1] + "Y"        # one character off: fails the GB 32100 check
PRESENCE_S = 0.8
NOT_HERE_REASON = "所需电子证照未找到，请到窗口办理"


def _ready(ui: Any) -> None:
    ui.wait_screen("home", timeout=15)
    ui.wait_until(
        lambda: not ui.app.banner.message
        and any(s.id == "yizheng_tongban" and s.available for s in ui.app.terminal.services()),
        20, "一证通办 to be available (reader online, terminal enrolled)",
    )


def _identify(ui: Any) -> None:
    ui.tap("一证通办")
    ui.wait_screen("identity")
    ui.sim("place zhang_san")
    ui.wait_screen("identity_read")
    ui.tap("确认是本人")


def _result(ui: Any) -> dict[str, Any]:
    result = ui.call(lambda: ui.app.terminal.flow.result)
    return {"receipt": result.local_receipt, "number": result.application_number,
            "delivered": result.delivered, "error": result.error}


def _finish(ui: Any, step: str) -> None:
    ui.tap("完成")
    ui.wait_screen("home")
    ui.sleep(0.3)
    ui.record(step)
    ui.sim("remove")
    ui.sleep(PRESENCE_S)


def yizheng(ui: Any) -> None:
    _ready(ui)
    _identify(ui)
    ui.wait_screen("yz_items", timeout=20)
    ui.wait_text("可凭身份证直接办理")
    ui.shot("01-items")

    ui.tap(ITEM)
    ui.wait_screen("yz_detail")
    ui.wait_text("电子证照自动调取")
    ui.shot("02-detail")

    # The form: 联系电话 is the first empty field, its keypad is up.
    ui.tap("开始办理")
    ui.wait_screen("yz_form")
    ui.type("13800138000")
    ui.tap("下一项 ›")              # 银行账号
    ui.type("62220202")           # 8 digits: too short on purpose
    ui.tap("下一项 ›")              # 缴费档次
    ui.tap("300元")
    ui.tap("下一步")
    ui.wait_text("至少需要填写16位")
    ui.shot("03-form-error")
    ui.type("00112233")           # the wrong field is active again: now 16 digits
    ui.wait_no_text("至少需要填写16位")
    ui.shot("04-form")
    ui.tap("下一步")
    ui.wait_screen("yz_confirm")
    ui.shot("05-confirm")
    ui.tap("确认提交")
    ui.wait_screen("yz_result", timeout=20)
    ui.wait_text("办件编号")
    ui.results["data"]["online"] = _result(ui)
    ui.shot("06-result")
    _finish(ui, "online-finished")

    # Central stops: the guide comes from the cache, the application waits in the outbox.
    ui.central("stop")
    _identify(ui)
    ui.wait_screen("yz_items", timeout=30)
    ui.wait_text("暂时无法连接政务服务平台")
    ui.shot("07-items-offline")
    ui.tap(OFFLINE_ITEM)
    ui.wait_screen("yz_detail")
    ui.tap("开始办理")
    ui.wait_screen("yz_form")
    ui.type("13800138000")
    ui.tap("下一项 ›")
    ui.tap("贷款")
    ui.tap("下一项 ›")
    ui.tap("邮寄")
    ui.tap("下一步")
    ui.wait_screen("yz_confirm")
    ui.tap("确认提交")
    ui.wait_screen("yz_result", timeout=20)
    ui.wait_text("本机受理号")
    saved = _result(ui)
    ui.results["data"]["offline"] = saved
    ui.shot("08-result-saved")

    # Central is back: the outbox worker delivers the application by itself.
    ui.central("start")
    started = time.monotonic()
    while ui.central(f"count {saved['receipt']}") != "1":
        if time.monotonic() - started > 60:
            raise AssertionError("the saved application did not reach central within 60 s")
        ui.sleep(0.5)
    ui.results["data"]["offline_delivered_after_s"] = round(time.monotonic() - started, 1)
    _finish(ui, "offline-finished")

    # A company item: the legal representative gives the credit code, in 适老化 mode.
    _identify(ui)
    ui.wait_screen("yz_items", timeout=20)
    ui.tap(COMPANY_ITEM)
    ui.wait_screen("yz_detail")
    ui.tap("开始办理")
    ui.wait_screen("yz_company")
    ui.tap("适老化")
    ui.wait_until(lambda: ui.app.theme.elderly, 3, "elderly mode")
    ui.type(WRONG_USCC)
    ui.tap("确认")
    ui.wait_text("统一社会信用代码校验未通过，请核对")
    ui.shot("09-company-invalid-elderly")
    ui.tap("退格")
    ui.type(USCC[-1])
    ui.tap("确认")
    ui.wait_screen("yz_form", timeout=20)
    ui.type("13800138000")
    ui.tap("下一项 ›")              # 补领原因
    ui.tap("遗失")
    ui.tap("下一项 ›")              # 副本数量
    ui.type("1")
    ui.tap("下一项 ›")              # 领取方式
    ui.tap("邮寄")
    ui.shot("10-company-form-elderly")
    ui.tap("下一步")
    ui.wait_screen("yz_confirm")
    ui.shot("11-company-confirm-elderly")
    ui.tap("确认提交")
    ui.wait_screen("yz_result", timeout=20)
    ui.wait_text("办件编号")
    ui.results["data"]["company"] = _result(ui)
    ui.shot("12-company-result-elderly")
    _finish(ui, "company-finished")
    ui.tap("适老化")

    # 王五 has only his household register: most items are listed after his, greyed.
    ui.tap("一证通办")
    ui.wait_screen("identity")
    ui.sim("place wang_wu")
    ui.wait_screen("identity_read")
    ui.tap("确认是本人")
    ui.wait_screen("yz_items", timeout=20)
    ui.reveal(NOT_HERE_REASON)
    ui.shot("13-items-not-eligible")
    ui.tap("返回首页")
    ui.wait_screen("home")


SCENARIOS = {"yizheng": yizheng}
