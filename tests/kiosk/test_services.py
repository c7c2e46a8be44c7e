"""Services say why they are unavailable instead of disappearing."""

from drivers.status import ONLINE, DeviceState, DeviceStatus, FaultAction, SupplyLevel
from kiosk.services import service_views


def test_service_availability_follows_device_status() -> None:
    offered = ["identity_check", "proof_print", "queue_ticket", "evaluation"]
    views = {v.id: v for v in service_views(offered, {"id_reader": ONLINE})}
    assert views["identity_check"].available and views["identity_check"].reason == ""
    assert not views["proof_print"].available
    assert views["evaluation"].available   # 好差评: the ID reader, and no central needed

    unplugged = DeviceStatus(DeviceState.NO_DEVICE, FaultAction.MAINTENANCE)
    views = {v.id: v for v in service_views(offered, {"id_reader": unplugged})}
    assert views["identity_check"].reason == "device_not_ready:id_reader:no_device"

    views = {v.id: v for v in service_views(["identity_check"], {})}
    assert views["identity_check"].reason == "device_missing:id_reader"


def test_yizheng_needs_an_enrolled_terminal_but_not_a_reachable_central() -> None:
    views = service_views(["yizheng_tongban"], {"id_reader": ONLINE}, enrolled=False)
    assert views[0].reason == "central_not_enrolled"
    views = service_views(["yizheng_tongban"], {"id_reader": ONLINE}, enrolled=True)
    assert views[0].available


def test_supplies_out_makes_a_device_not_ready() -> None:
    status = DeviceStatus(DeviceState.ONLINE, supplies={"paper": SupplyLevel.OUT})
    assert not status.ready
    views = service_views(["identity_check"], {"id_reader": status})
    assert views[0].reason == "device_not_ready:id_reader:supplies"


def test_proof_printing_says_the_a4_printer_has_no_paper() -> None:
    no_paper = DeviceStatus(DeviceState.USER_ERROR, FaultAction.CLEAR_BY_STAFF,
                            {"paper": SupplyLevel.OUT}, fault="paper_out")
    views = service_views(["proof_print"], {"id_reader": ONLINE, "a4_printer": no_paper}, enrolled=True)
    assert views[0].reason == "device_not_ready:a4_printer:paper_out"
    views = service_views(["proof_print"], {"id_reader": ONLINE, "a4_printer": ONLINE}, enrolled=True)
    assert views[0].available
