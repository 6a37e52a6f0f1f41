"""Request ids, and plain answers to failed requests that log the error's type, never its text."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from bot import logs

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

logger = logging.getLogger(__name__)

REQUEST_ID_HEADER = "X-Request-Id"
ENVIRON_KEY = "homeward.request_id"
# How long a provider should wait before sending again while the database is unreachable: a
# restart or a failover takes seconds. Telegram retries on its own; Twilio retries when the
# webhook URL asks it to (docs/reliability.md, "PostgreSQL restarted under load").
RETRY_AFTER_SECONDS = 5


def install_error_handling(app: Flask) -> None:
    """Give every request an id (logged, and answered in X-Request-Id), and answer errors.

    A request the database cannot serve now answers 503 with Retry-After, so the provider
    sends the message again; any other error answers a bare 500. Either way the log says the
    error's type and the request id, never the error's message: it may quote what failed.
    """
    app.wsgi_app = RequestIds(app.wsgi_app)  # type: ignore[method-assign]
    app.register_error_handler(Exception, _failed)


class RequestIds:
    """WSGI middleware: a fresh random id per request, in the environ, the log and the answer.

    An id sent by the client is never trusted or echoed: it could carry anything.
    """

    def __init__(self, wrapped: WSGIApplication) -> None:
        self.wrapped = wrapped

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        value = secrets.token_hex(8)
        environ[ENVIRON_KEY] = value

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers = [(k, v) for k, v in headers if k.lower() != REQUEST_ID_HEADER.lower()]
            headers.append((REQUEST_ID_HEADER, value))
            return start_response(status, headers, exc_info)

        with logs.request_scope(value):
            return self.wrapped(environ, start)


def database_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database cannot be reached now (down, restarting, busy)."""
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


def _failed(error: Exception) -> Response | HTTPException:
    if isinstance(error, HTTPException):
        return error  # 404, 405, 413...: Flask's own answers, nothing failed
    name = _name(error)
    # Given explicitly, so the id is on the record whatever handler formats it.
    ids = {"request_id": request.environ.get(ENVIRON_KEY)}
    if database_unavailable(error):
        logger.warning("database unavailable, answered 503: %s", name, extra=ids)
        answer = _plain("The service is busy, please try again shortly.\n", 503)
        answer.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return answer
    logger.error(
        "request failed: %s in %s",
        name,
        request.endpoint or "-",
        extra={**ids, "traceback": logs.safe_traceback((type(error), error, error.__traceback__))},
    )
    return _plain("Internal Server Error\n", 500)


def _name(error: BaseException) -> str:
    """The error's type, and the driver's for a database error (never a message)."""
    name = type(error).__name__
    orig = getattr(error, "orig", None)
    if isinstance(error, DBAPIError) and orig is not None:
        name += f" ({type(orig).__module__}.{type(orig).__name__})"
    return name


def _plain(text: str, status: int) -> Response:
    return Response(text, status=status, mimetype="text/plain")
