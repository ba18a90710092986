"""The network settings applied to HTTP: a ``requests.Session`` with the chosen proxy and trust.

Apart from ``storage.settings`` because it is the one part that builds network objects (and
pulls in ``requests`` and ``truststore``); the schema itself only stores and checks values.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import requests

from desktop_app.storage.settings import AppSettings

log = logging.getLogger(__name__)


def build_session(settings: AppSettings) -> requests.Session:
    """A ``requests.Session`` with the proxy and certificate trust the settings ask for.

    Trust "system" verifies with the OS trust store through ``truststore`` (what corporate
    TLS-inspecting proxies install their root into); without ``truststore`` it falls back to
    certifi's bundle. "custom" verifies with the chosen PEM file only.
    """
    session = requests.Session()
    if settings.proxy_mode == "manual":
        url = settings.proxy_url.strip()
        url = url if "://" in url else f"http://{url}"
        session.trust_env = False  # environment proxies must not override the chosen one
        session.proxies = {"http": url, "https": url}
    elif settings.proxy_mode == "none":
        session.trust_env = False
    if settings.trust_mode == "custom":
        session.verify = str(Path(settings.ca_bundle.strip()).expanduser())
    else:
        adapter = _truststore_adapter()
        if adapter is not None:
            session.mount("https://", adapter)
    return session


def _truststore_adapter() -> requests.adapters.HTTPAdapter | None:
    try:
        import ssl

        import truststore
    except ImportError:
        log.info("truststore is not installed; verifying certificates with certifi's bundle")
        return None
    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    return _ContextAdapter(context)


class _ContextAdapter(requests.adapters.HTTPAdapter):
    """Verifies https with a given SSLContext (requests uses its pool's context when set)."""

    def __init__(self, context: Any) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(proxy, **kwargs)
