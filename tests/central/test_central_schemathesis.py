"""Whatever a terminal (or anything else) sends, central never answers 5xx.

Schemathesis generates requests from the published document, valid and invalid, for every
operation; signed operations are signed with an enrolled test terminal's key (the
signature covers the exact bytes schemathesis sends), so the requests reach the handlers
instead of stopping at 401.
"""

from __future__ import annotations

import requests
import schemathesis
from central_helpers import SignedApi
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from central.app import create_app
from tests.support.signer import RequestsSigner

schema = schemathesis.openapi.from_dict(create_app("sqlite://").openapi())
not_a_server_error = schemathesis.checks.not_a_server_error


@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_generated_request_gets_a_server_error(
    case: schemathesis.Case, app: FastAPI, api: SignedApi
) -> None:
    session = requests.Session()
    session.auth = RequestsSigner(api.key, api.terminal_id)
    response = case.call(app=app, session=session)
    case.validate_response(
        response, checks=[not_a_server_error, status_code_conformance, response_schema_conformance]
    )
