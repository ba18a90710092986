"""An HTTP error status in words a partner admin can act on, with the server's own explanation
(its error text, never the token) when it gave one."""

from __future__ import annotations

import requests

from desktop_app.api.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServerError,
)
from desktop_app.api.http import host_of
from desktop_app.api.responses import ERROR_BODY_LIMIT, server_error_text, server_said
from desktop_app.api.secret import Secret, redact

__all__ = ["error_text", "status_error"]


def error_text(response: requests.Response, token: str) -> str:
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(16 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            if size >= ERROR_BODY_LIMIT:
                break
    except requests.RequestException:
        pass  # the status alone still explains the failure
    text = server_error_text(b"".join(chunks), response.headers.get("Content-Type"))
    return redact(text, Secret(token))


def status_error(
    response: requests.Response,
    token: str,
    username: str,
    report_url: str,
    *,
    noun: str = "report",
    retries: int = 0,
    retry_after: float | None = None,
) -> ApiError:
    status = response.status_code
    reason = f" {response.reason}" if response.reason else ""
    host = host_of(response.url or report_url)
    detail = error_text(response, token)
    said = server_said(detail)
    tries = f" after {retries + 1} attempts" if retries else ""
    later = (
        f" The server asked to wait {retry_after:.0f} s before trying again."
        if retry_after is not None
        else " Try again later."
    )
    if status == 401:
        return AuthenticationError(
            "The access token is invalid or has expired (HTTP 401). Sign in again or check "
            f"the client credentials and the region.{said}",
            status=status,
        )
    if status == 403:
        return PermissionDeniedError(
            f"Access to the {noun} of partner '{username}' was denied (HTTP 403). "
            "The token needs the partners_read scope, and the username must be your own "
            f"partner username (or a sub-partner's), not another partner's.{said}",
            status=status,
        )
    if status == 404:
        return NotFoundError(
            f"No partner named '{username}' was found at {host} (HTTP 404); "
            f"check the partner username and the region.{said}",
            status=status,
        )
    if status == 400:
        return BadRequestError(
            "The server did not accept the request (HTTP 400): "
            f"{detail or 'it gave no explanation'}",
            status=status,
        )
    if status == 429:
        return RateLimitedError(
            f"{host} is limiting how often the report may be fetched (HTTP 429){tries}.{later}",
            status=status,
            retry_after=retry_after,
        )
    if status >= 500:
        return ServerError(
            f"{host} reported a server problem (HTTP {status}{reason}){tries}.{said}{later}",
            status=status,
            retry_after=retry_after,
        )
    return ApiError(
        f"{host} answered HTTP {status}{reason}, which this app does not expect.{said}",
        status=status,
    )
