"""办件查询 on central (docs/casework.md §4): the identified citizen's applications and the
public, masked view of one application, through ``CentralClient.call`` like booking.py.

- ``mine(client, id_number, name)``: ``POST /applications/mine`` — the ID number and name
  travel in the body only, never in a path or a log line; a read, so retried.
- ``public(client, number, check)``: ``GET /applications/{number}/public?check=C`` — what
  the receipt's holder may see. Without ``check`` (an old receipt's ``TONGBAN-APP:`` QR)
  central counts the look-up in a per-terminal window.

Refusals arrive as ``CentralRejected``; ``refusal(err)`` names the two the citizen is told
about: ``not_found`` (an unknown number and a wrong 查询码 give the same answer, so numbers
cannot be probed) and ``rate_limited``.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from kiosk.central_api.client import CentralClient
from kiosk.central_api.errors import CentralRejected
from kiosk.central_api.models import MineApplications, PublicApplication

__all__ = ["mine", "public", "refusal"]


def mine(client: CentralClient, id_number: str, name: str) -> MineApplications:
    """The person's applications (as applicant or as agent), newest first, at most 50."""
    return client.call(MineApplications, "POST", "/applications/mine",
                       {"id_number": id_number, "name": name})


def public(client: CentralClient, number: str, check: str | None) -> PublicApplication:
    """The masked status and timeline of application ``number``; ``check`` is the receipt's
    查询码 (None for an old receipt's QR)."""
    path = f"/applications/{quote(number, safe='')}/public"
    if check:
        path += "?" + urlencode({"check": check})
    return client.call(PublicApplication, "GET", path)


def refusal(err: CentralRejected) -> str:
    """The citizen-facing reason for a refusal: ``not_found`` (also a wrong 查询码: 404),
    ``rate_limited`` (429), else ``refused``."""
    if err.status == 404 or err.error == "not_found":
        return "not_found"
    if err.status == 429 or err.error == "rate_limited":
        return "rate_limited"
    return "refused"
