"""Fixtures: a fake central on 127.0.0.1, an identity it knows, a client, a local store, and
the real reference central as a subprocess."""

from tests.support.central_fixtures import (  # noqa: F401
    central,
    client,
    identity,
    no_sleep,
    real_central,
    store,
)
