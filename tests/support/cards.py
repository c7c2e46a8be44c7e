"""Identity cards built in memory for tests that do not need the reader."""

from __future__ import annotations

from stdnum.iso7064 import mod_11_2

from drivers.idcard.model import CardType, IdentityCard


def make_card(name: str = "张三", body: str = "14050219800101001") -> IdentityCard:
    return IdentityCard(
        CardType.RESIDENT, name=name, gender="男", nation="汉", birth_date="1980-01-01",
        address="山西省晋城市城区", id_number=body + mod_11_2.calc_check_digit(body),
        issuer="晋城市公安局城区分局", valid_from="2010-01-01", valid_until="长期",
        photo_wlt=bytearray(b"\x11" * 1024),
    )
