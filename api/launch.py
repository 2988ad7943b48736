"""Entry points of the `rota` command and of each `rota serve --workers N` process.

Start-up imports the whole service, about half a million objects that live as long as the
process. Python's cycle collector would walk them all, again and again, while they are created:
a third of the start-up, and later a pause in any request that sets off a full collection.
So each entry imports with the collector off, then freezes what start-up made (`gc.freeze`:
never walked again) and turns the collector back on for what requests create.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI


@contextmanager
def starting() -> Iterator[None]:
    """Run start-up with the cycle collector off; keep what it made out of later collections."""
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def main() -> None:
    """The `rota` command."""
    with starting():
        from api.cli import main as command
    command()


def worker_app() -> FastAPI:
    """The app of one `rota serve --workers N` process (see `api.app.worker_app`)."""
    with starting():
        from api.app import worker_app as build

        return build()
