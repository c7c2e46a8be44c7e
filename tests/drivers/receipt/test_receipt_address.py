"""Printer URLs: tcp, serial, usb and file, and clear messages for bad ones."""

from __future__ import annotations

import pytest

from drivers.receipt.transport import (
    FileAddress,
    SerialAddress,
    TcpAddress,
    UsbAddress,
    parse_printer_url,
)


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("tcp://192.168.1.50", TcpAddress("192.168.1.50", 9100)),
        ("tcp://printer.local:9101", TcpAddress("printer.local", 9101)),
        ("tcp://[fe80::1]:9100/", TcpAddress("fe80::1", 9100)),
        ("serial:///dev/ttyS0", SerialAddress("/dev/ttyS0", 115200, False)),
        ("serial:///dev/ttyUSB1?baud=9600&rtscts=1", SerialAddress("/dev/ttyUSB1", 9600, True)),
        ("serial:///dev/serial/by-id/usb-Printer?rtscts=no", SerialAddress(
            "/dev/serial/by-id/usb-Printer", 115200, False)),
        ("usb://0416:5011", UsbAddress(0x0416, 0x5011)),
        ("usb://04B8:0E15?in_ep=0x81&out_ep=2", UsbAddress(0x04B8, 0x0E15, 0x81, 0x02)),
        ("file:///dev/usb/lp0", FileAddress("/dev/usb/lp0")),
        ("  tcp://10.0.0.5:9100  ", TcpAddress("10.0.0.5", 9100)),
    ],
)
def test_printer_urls_parse_into_typed_addresses(url: str, address: object) -> None:
    assert parse_printer_url(url) == address


def test_an_address_prints_back_as_a_url() -> None:
    assert str(parse_printer_url("tcp://10.0.0.5")) == "tcp://10.0.0.5:9100"
    assert str(parse_printer_url("usb://0416:5011")) == "usb://0416:5011"


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("lpt://printer", "unsupported scheme 'lpt'"),
        ("192.168.1.50:9100", "unsupported scheme"),
        ("tcp://", "no host"),
        ("tcp://host:99999", "port"),
        ("tcp://host:0", "port"),
        ("tcp://host:abc", "port"),
        ("tcp://host:9100/queue", "no path"),
        ("tcp://host?timeout=3", "unknown option 'timeout'"),
        ("serial://dev/ttyS0", "absolute"),
        ("serial://", "no path"),
        ("serial:///dev/ttyS0?baud=fast", "baud must be a positive number"),
        ("serial:///dev/ttyS0?baud=0", "baud must be a positive number"),
        ("serial:///dev/ttyS0?rtscts=maybe", "rtscts must be 0 or 1"),
        ("serial:///dev/ttyS0?parity=E", "unknown option 'parity'"),
        ("usb://416:5011", "4 hex digits"),
        ("usb://printer", "4 hex digits"),
        ("usb://0416:50zz", "4 hex digits"),
        ("usb://0416:5011?in_ep=x", "in_ep must be an endpoint"),
        ("file://relative/path", "absolute"),
        ("file:///", "no path"),
        ("tcp://host#frag", "unexpected"),
    ],
)
def test_bad_urls_say_what_is_wrong(url: str, complaint: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_printer_url(url)
    message = str(caught.value)
    assert complaint in message
    assert url.strip() in message
    assert "\n" not in message
