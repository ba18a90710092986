"""The demo's second region: an EMEA account beside the main demo account, as an MSP with
customers in both data centres signs in twice (``backup-status --demo --partners``).

It is a second demo server on its own port (so another API host, as EMEA is), with its own
credentials and a small tree: a partner and one reseller whose customers are European. The main
view shows its partners as ``emea-partner (EMEA)`` (``api.partner_view.SignInScope``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from desktop_app.api.client import ReportClient, build_client
from desktop_app.api.partner_view import PartnerScope, SignInScope
from desktop_app.api.regions import custom_endpoint
from desktop_app.demo.data import DemoData
from desktop_app.demo.partners import DemoPartner
from desktop_app.demo.server import DemoServer
from desktop_app.runtime.pacing import unpaced

__all__ = ["EMEA_LABEL", "DemoRegion", "emea_tree", "start_region"]

EMEA_LABEL: Final = "EMEA"
_SEED: Final = 31  # not the main demo's: other customers, other failures


def emea_tree(rows: int) -> tuple[DemoPartner, ...]:
    """The EMEA account's partner and its reseller (customers ``eu-…`` and ``eur-…``)."""
    return (
        DemoPartner("emea-partner", None, rows, "eu-", "Demo MSP Europe", "Demo MSP GmbH"),
        DemoPartner(
            "emea-resell", "emea-partner", max(1, rows // 2), "eur-", "Benelux", "Benelux IT BV"
        ),
    )


@dataclass(frozen=True, slots=True)
class DemoRegion:
    """The running second server and the client signed in to it."""

    server: DemoServer
    client: ReportClient
    label: str = EMEA_LABEL

    def scopes(self, _settings: object = None) -> list[SignInScope]:
        """The sign-in as a view fetches it (whatever the settings): its partner and every
        sub-partner."""
        scope = PartnerScope.of(self.server.username, include_subpartners=True)
        return [SignInScope(scope, self.client.endpoint.api_host, self.label, self.client)]

    def close(self) -> None:
        self.client.close()
        self.server.stop()


def start_region(
    rows: int, *, pause: Callable[[], None] = unpaced, compress: bool = False
) -> DemoRegion:
    """Start the EMEA demo server (``rows`` backup sets for its partner, half for its
    reseller) and sign in to it with its own client id and secret."""
    tree = emea_tree(rows)
    server = DemoServer(
        DemoData(rows, seed=_SEED, pause=pause, customer_prefix=tree[0].prefix),
        seed=_SEED,
        client_id="demo-emea-client",
        client_secret="demo-emea-secret",
        pause=pause,
        compress=compress,
        partners=tree,
    ).start()
    client = build_client(
        custom_endpoint(server.base_url),
        server.username,
        client_id=server.client_id,
        client_secret=server.client_secret,
    )
    return DemoRegion(server, client)
