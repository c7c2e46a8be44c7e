"""Fixtures of the kiosk tests: the simulated reader on a pty and a site config using it."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.idcard.simulator import IdCardSimulator


@pytest.fixture
def site_config(tmp_path: Path, sim: IdCardSimulator) -> Path:
    site = tmp_path / "kiosk.toml"
    site.write_text(
        'profile = "hall"\n[terminal]\ndata_dir = "data"\n'
        "[session]\nidle_timeout_s = 6\nidle_warning_s = 2\ncard_removal_grace_s = 1\n"
        f'[devices.id_reader]\nport = "{sim.link_path}"\npoll_interval_s = 0.02\n'
        "reconnect_interval_s = 0.2\n",
        encoding="utf-8",
    )
    return site
