"""Fixtures: a fake central on 127.0.0.1, an identity it knows, a client, a local store."""

from tests.support.central_fixtures import central, client, identity, no_sleep, store  # noqa: F401
