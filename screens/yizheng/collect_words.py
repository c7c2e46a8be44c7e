"""Chinese words of 异地代收 and paper materials (screens/yizheng/collect_*.py and the lines
they add to the item and confirm pages)."""

from __future__ import annotations

ERRORS = {
    "material_required": "此项为必需材料，请至少拍摄并使用一页",
    "delivery_missing": "请选择办理结果的送达方式",
    "address_invalid": "请填写完整的邮寄地址（5至100个字）",
    "pending_unconfirmed": "您已有同一事项正在办理，如确需再次提交，请点击“仍要提交”",
}

MATERIAL_CAPTURE = "在本机高拍仪拍摄提交"
MATERIALS_TITLE = "拍摄申请材料"
MATERIAL_OF = "第{n}项，共{total}项：{name}"
MATERIAL_REQUIRED = "必需材料：请将材料平放在高拍仪下，逐页拍摄"
MATERIAL_OPTIONAL = "非必需材料：可拍摄提交，也可点击“下一项”跳过"
NEXT_MATERIAL = "下一项"
LAST_MATERIAL = "完成拍摄"

DELIVERY_TITLE = "办理结果如何送达"
DELIVERY_POST = "邮寄到家"
DELIVERY_PICKUP = "到本厅领取"
DELIVERY_POST_HINT = "结果由办理地部门邮寄到下方地址"
DELIVERY_PICKUP_HINT = "结果寄回本厅，凭身份证到{hall}领取"
ADDRESS_LABEL = "邮寄地址"
ADDRESS_EMPTY = "请用右侧键盘输入地址"
USE_CARD_ADDRESS = "填入身份证地址"
EDITING_ADDRESS = "正在填写：邮寄地址"

CONFIRM_MATERIALS = "拍摄提交的材料"
CONFIRM_PAGES = "{pages}页"
CONFIRM_NO_PAGES = "未提交"
CONFIRM_DELIVERY = "结果送达"
CONFIRM_MODE = "办理方式"
SUBMIT_AGAIN = "仍要提交"
PARTS_TITLE = "联办部门"
PART_LINE = "{seq}. {region} {department}：{task}"
HANDOVER = {"printing": "正在打印收件交接单…", "printed": "收件交接单已打印，请一并取走"}
HANDOVER_FAILED = "收件交接单未能打印，请点击“重新打印”或到窗口领取"


def error(code: str) -> str:
    return ERRORS.get(code, "")
