"""A masked holder for client secrets and access tokens, and a scrubber for server text.

Wrapping a secret means ``repr()``/``str()``/f-strings/tracebacks of whatever holds it show
``***`` instead of the value; the value is only reachable through an explicit ``reveal()``.
"""

from __future__ import annotations

from typing import Final

MASK: Final = "***"


class Secret:
    """A string that does not print itself. Compare with ``reveal()``, never by printing."""

    __slots__ = ("_value",)

    def __init__(self, value: str | Secret) -> None:
        raw = value.reveal() if isinstance(value, Secret) else value
        if not isinstance(raw, str):
            raise TypeError("a secret must be a str")
        self._value = raw

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would copy the value into files or other processes; refuse instead.
        raise TypeError("a Secret cannot be pickled")


def redact(text: str, *secrets: Secret | str | None) -> str:
    """``text`` with every occurrence of the given secrets replaced by ``***``.

    Used on text that came from a server (error bodies), which could echo what we sent.
    """
    for secret in secrets:
        if secret is None:
            continue
        value = secret.reveal() if isinstance(secret, Secret) else secret
        if len(value) >= 4:  # masking 1-3 characters would mangle ordinary words
            text = text.replace(value, MASK)
    return text
