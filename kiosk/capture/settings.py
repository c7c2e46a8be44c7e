"""The ``[capture]`` section: when a photographed page is good enough to send.

The thresholds were calibrated on drivers/doccam/synth.py frames (tests/kiosk/
test_capture_quality.py measures them): the sharp synthetic A4 page scores a Laplacian
variance in the hundreds at detection scale, a page blurred as a moving hand blurs it
scores under 40; a lamp's reflection covers a few percent of the page with saturated
white, a clean page under 0.5 %.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kiosk.config_devices import Strict


class CaptureSettings(Strict):
    # Variance of the Laplacian at the driver's detection scale below which a page is 模糊.
    min_sharpness: Annotated[float, Field(ge=0, le=100000)] = 60.0
    # Share of the straightened page's pixels saturated near-white above which it is 反光.
    max_glare: Annotated[float, Field(gt=0, le=1)] = 0.02
    # JPEG quality of the straightened page the driver encodes (drivers.doccam PageSettings).
    jpeg_quality: Annotated[int, Field(ge=30, le=100)] = 85
    # How long one 拍摄 may take before the camera counts as not answering.
    timeout_s: Annotated[float, Field(gt=0, le=60)] = 8.0
    # Whether a page with a quality warning (模糊, 反光, 不完整) may be kept anyway: off by
    # default, as central's staff cannot ask the citizen again. A page with nothing on it
    # (no_page) is never kept.
    allow_warned: bool = False
