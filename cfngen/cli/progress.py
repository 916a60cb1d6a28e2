"""Progress on long steps: on a terminal, a spinner with the elapsed time (after half a second, so quick steps
show nothing); elsewhere (CI logs, pipes), one plain line with the time taken, for steps over two seconds.

On stderr, so stdout stays the command's result. Colour settings do not matter here, but TERM=dumb (no
carriage-return redraws) gets the plain line. Lines printed while a spinner shows (a stack's events during a
wait) first `clear` it, so they never land after the spinner's text; it is drawn again on its next tick.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator

import click

FRAMES = "|/-\\"
SHOW_AFTER = 0.5  # seconds before a spinner appears
PLAIN_AFTER = 2.0  # seconds a step must take before a plain line reports it
_SCREEN = threading.Lock()  # the spinner's line: drawn and cleared under it
_drawn = False


def clear() -> None:
    """Take the spinner's text off its line, if it shows, before printing something else."""
    global _drawn
    with _SCREEN:
        if _drawn:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
            _drawn = False


def _interactive() -> bool:
    stream = sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"


@contextlib.contextmanager
def progress(label: str) -> Iterator[None]:
    start = time.monotonic()
    done = threading.Event()
    spinner = None
    if _interactive():

        def spin() -> None:
            global _drawn
            if done.wait(SHOW_AFTER):
                return
            frame = 0
            while not done.wait(0.1):
                with _SCREEN:
                    sys.stderr.write(f"\r{FRAMES[frame % len(FRAMES)]} {label} {time.monotonic() - start:.1f}s")
                    sys.stderr.flush()
                    _drawn = True
                frame += 1

        spinner = threading.Thread(target=spin, daemon=True)
        spinner.start()
    try:
        yield
    finally:
        done.set()
        took = time.monotonic() - start
        if spinner is not None:
            spinner.join()
            if took >= SHOW_AFTER:
                clear()
                click.echo(f"{label}: {took:.1f}s", err=True)
        elif took >= PLAIN_AFTER:
            click.echo(f"{label}: {took:.1f}s", err=True)
