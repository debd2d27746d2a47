from __future__ import annotations

import logging
import time
from contextlib import contextmanager

logger = logging.getLogger("scugrn")
logger.addHandler(logging.NullHandler())


@contextmanager
def timed(what: str):
    """Log how long a step took at INFO level."""
    t0 = time.perf_counter()
    yield
    logger.info("%s took %.2f s", what, time.perf_counter() - t0)
