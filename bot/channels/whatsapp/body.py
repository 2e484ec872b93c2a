"""Reading a webhook body without letting a stranger hold the desk's memory.

A body of known length up to IN_MEMORY (a notification is a few kilobytes) is read
and hashed at once. Any other is hashed (HMAC-SHA256 with the app secret) while it
arrives and kept in a spooled file: a few kilobytes in memory, the rest on disk, and
read back whole only once its signature matches. A body that does not arrive within
BODY_TIMEOUT, or grows past MAX_BODY, is refused without being kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import tempfile

from aiohttp import web

MAX_BODY = 4 * 1024 * 1024  # Meta's notifications are kilobytes; a big batch stays far below this
IN_MEMORY = 64 * 1024  # per request; the rest of a large body waits on disk until it is verified
BODY_TIMEOUT = 10.0  # seconds for the whole body: a trickle ties up nothing for long
CHUNK = 16 * 1024


class Refused(Exception):
    """The body was not accepted; `response` says why."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.text)
        self.response = response


async def read_signed(request: web.Request, secret: bytes, sent: str) -> bytes:
    """The body, once its X-Hub-Signature-256 (`sent`) matches; Refused otherwise."""
    length = request.content_length
    if length is not None and length > MAX_BODY:
        raise Refused(web.Response(status=413, text="body too large"))
    try:
        async with asyncio.timeout(BODY_TIMEOUT):
            if length is not None and length <= IN_MEMORY:  # the usual notification: read at once
                body = await request.read()
                _check(hmac.new(secret, body, hashlib.sha256), sent)
                return body
            return await _spooled(request, secret, sent)
    except TimeoutError:
        raise Refused(web.Response(status=408, text="body too slow")) from None


async def _spooled(request: web.Request, secret: bytes, sent: str) -> bytes:
    """A body of unknown or large length: hashed as it arrives, kept on disk past IN_MEMORY,
    read back only once verified."""
    digest = hmac.new(secret, digestmod=hashlib.sha256)
    with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY) as spool:
        size = 0
        async for chunk in request.content.iter_chunked(CHUNK):
            size += len(chunk)
            if size > MAX_BODY:
                raise Refused(web.Response(status=413, text="body too large"))
            digest.update(chunk)
            spool.write(chunk)
        _check(digest, sent)
        spool.seek(0)
        return spool.read()


def _check(digest: hmac.HMAC, sent: str) -> None:
    if not hmac.compare_digest(f"sha256={digest.hexdigest()}".encode(), sent.strip().encode()):
        raise Refused(web.Response(status=403, text="bad signature"))
