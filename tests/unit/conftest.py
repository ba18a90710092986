"""Fixtures shared by the unit tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.unit.raw_http import Behaviour, RawServer


@pytest.fixture
def raw_server() -> Iterator[Callable[[Behaviour], RawServer]]:
    """Start raw socket servers (``tests.unit.raw_http``); all are closed afterwards."""
    made: list[RawServer] = []

    def make(behave: Behaviour) -> RawServer:
        made.append(RawServer(behave))
        return made[-1]

    yield make
    for server in made:
        server.close()
