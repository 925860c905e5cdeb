"""Expected failures are one line in the daemon's log. pygls logs every error reply with its
traceback; a user's mistake (a bad range, a style path refused: a DevlogError behind the
reply) is told in one sentence, and its traceback is kept for debug level only."""

from __future__ import annotations

import logging

from devlogd.errors import DevlogError

RPC_LOGGER = "pygls.protocol.json_rpc"


class ExpectedFailures(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        cause = error if isinstance(error, DevlogError) else getattr(error, "__cause__", None)
        if not isinstance(cause, DevlogError):
            return True
        if logging.getLogger(record.name).isEnabledFor(logging.DEBUG):
            return True  # debugging: the whole story
        record.msg, record.args = "a request failed: %s", (str(cause),)
        record.exc_info, record.exc_text = None, None
        record.levelno, record.levelname = logging.INFO, "INFO"
        return True


def quiet_expected_failures() -> None:
    logger = logging.getLogger(RPC_LOGGER)
    if not any(isinstance(f, ExpectedFailures) for f in logger.filters):
        logger.addFilter(ExpectedFailures())
