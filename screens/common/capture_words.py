"""The words of the capture screens: a page's quality and the camera's faults in plain
Chinese, each with what to do (codes from kiosk/capture/)."""

from __future__ import annotations

PROBLEM_WORDS = {
    "blurred": "照片不清晰：请把文件放平，手离开文件后再点“重拍”",
    "glare": "有反光：请避开灯光反光，稍微移动文件后再点“重拍”",
    "cut_off": "文件没有拍全：请把整页放在拍摄区内后再点“重拍”",
    "no_page": "没有拍到文件：请把文件正面朝上放在拍摄区内后再点“重拍”",
}
CAMERA_WORDS = {
    "camera_unavailable": "高拍仪暂时无法使用，请联系工作人员，或到人工窗口办理",
    "camera_timeout": "高拍仪没有响应，请稍候再点“拍摄”",
    "capture_failed": "这次没有拍好，请再点“拍摄”",
}
GOOD = "拍摄清晰，请核对后点“使用此页”"
WARNED_KEEP = "如确认内容清楚完整，也可以点“使用此页”"
TAKING = "正在拍摄，请不要移动文件……"
READY = "请把文件正面朝上放在拍摄区内，然后点“拍摄”"
STRAIGHTENED = "已自动摆正、裁边"
UNKNOWN = "这次没有拍好，请重拍"


def verdict(state: str, error: str, can_keep: bool) -> tuple[str, str]:
    """(what the citizen reads, its tone: success | danger | notice | muted)."""
    if state == "taking":
        return TAKING, "muted"
    if state == "failed":
        return CAMERA_WORDS.get(error, UNKNOWN), "danger"
    if state == "review":
        if not error:
            return GOOD, "success"
        words = PROBLEM_WORDS.get(error, UNKNOWN)
        return (f"{words}；{WARNED_KEEP}", "notice") if can_keep else (words, "danger")
    return READY, "muted"


def kept(count: int) -> str:
    return f"已保存{count}页，点图片可放大" if count else "还没有保存的页面"


def done(count: int) -> str:
    del count   # the count is in kept(): 完成 stays short enough for 适老化 sizes
    return "完成"
