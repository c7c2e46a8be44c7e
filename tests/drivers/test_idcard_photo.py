"""The optional WLT decoder plug-in is loaded from configuration or refused clearly."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest

from drivers.errors import DeviceError
from drivers.idcard.photo import BGR_SIZE, WltDecoder, load_decoder


@pytest.fixture
def plugin_module() -> Iterator[types.ModuleType]:
    module = types.ModuleType("fake_wlt_plugin")

    class Decoder:
        def decode(self, wlt: bytes) -> bytes:
            return bytes(BGR_SIZE)

    def decode(wlt: bytes) -> bytes:
        return b"\xff" * BGR_SIZE

    def broken(wlt: bytes) -> bytes:
        return b"short"

    module.Decoder = Decoder  # type: ignore[attr-defined]
    module.decode = decode  # type: ignore[attr-defined]
    module.broken = broken  # type: ignore[attr-defined]
    module.not_callable = 42  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


@pytest.mark.parametrize("spec", [None, ""])
def test_no_decoder_configured_means_no_photo(spec: str | None) -> None:
    assert load_decoder(spec) is None


def test_decoder_class_is_instantiated(plugin_module: types.ModuleType) -> None:
    decoder = load_decoder("fake_wlt_plugin:Decoder")
    assert isinstance(decoder, WltDecoder)
    assert decoder.decode(bytes(1024)) == bytes(BGR_SIZE)


def test_plain_function_is_a_decoder(plugin_module: types.ModuleType) -> None:
    decoder = load_decoder("fake_wlt_plugin:decode")
    assert decoder is not None and decoder.decode(bytes(1024))[:1] == b"\xff"


def test_decoder_returning_a_wrong_image_is_an_error(plugin_module: types.ModuleType) -> None:
    decoder = load_decoder("fake_wlt_plugin:broken")
    assert decoder is not None
    with pytest.raises(DeviceError, match="fake_wlt_plugin:broken"):
        decoder.decode(bytes(1024))


@pytest.mark.parametrize(
    "spec",
    ["no_such_module_xyz:decode", "fake_wlt_plugin:missing", "fake_wlt_plugin:not_callable",
     "fake_wlt_plugin", "fake_wlt_plugin:"],
)
def test_unloadable_decoder_is_refused_naming_the_spec(
    plugin_module: types.ModuleType, spec: str
) -> None:
    with pytest.raises(DeviceError) as caught:
        load_decoder(spec)
    assert repr(spec) in str(caught.value)
