"""Compiled lexicons cached on disk, so `rewriter check` starts fast.

Compiling the word lists (every phrase with its inflections) takes longer than
reading back the result. The cache key is made of the source files' names, sizes and
modification times, so editing a lexicon simply misses the cache. Set REWRITER_CACHE_DIR to move the cache, or to an
empty string to turn it off; an unwritable cache is silently skipped.
"""

from __future__ import annotations

import os
import pickle
import zlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
FORMAT = b"rewriter-lexicon-cache-5"  # bump when compiled structures change shape


def cache_dir() -> Path | None:
    configured = os.environ.get("REWRITER_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "rewriter"


def cached(name: str, sources: Iterable[Path], build: Callable[[], T]) -> T:
    """build(), or its result from an earlier run over the same source files."""
    directory = cache_dir()
    if directory is None:
        return build()
    files = sorted(sources)
    key = [FORMAT.decode()]
    for source in files:
        stat = source.stat()
        key.append(f"{source}:{stat.st_size}:{stat.st_mtime_ns}")
    # One slot per installation (its source folder), one file per version of the sources.
    slot = f"{name}-{zlib.crc32(str(files[0].parent if files else '').encode()):08x}"
    path = directory / f"{slot}-{zlib.crc32(chr(0).join(key).encode()):08x}.pickle"
    try:
        with open(path, "rb") as fh:
            cached: T = pickle.load(fh)
            return cached
    except Exception:  # missing, stale or unreadable: rebuild below
        pass
    value = build()
    try:
        import tempfile  # only on a miss: off the start-up path

        directory.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)  # atomic: a concurrent reader never sees half a file
        for stale in directory.glob(f"{slot}-*.pickle"):  # earlier versions of the same sources
            if stale != path:
                stale.unlink(missing_ok=True)
    except OSError:
        pass
    return value
