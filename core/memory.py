"""Give large freed buffers back to the operating system (glibc).

glibc serves a large malloc() with mmap() at first, but after such a block is freed it raises its
threshold to that size, so the next photo's bitmap (Pillow allocates them in blocks of up to 16 MB)
comes from a heap arena, one per thread, and stays in the process's RSS after it is freed. Under
ASGI every request runs in its own thread: the worker kept growing by a photo's bitmap per request
(bench/uploads.py). A fixed threshold keeps every block of 1 MB or more in mmap(), returned to the
system on free().
"""

import ctypes
import ctypes.util

M_MMAP_THRESHOLD = -3  # glibc's mallopt() parameter number
MMAP_THRESHOLD_BYTES = 1024 * 1024


def malloc_large_blocks_mmapped() -> bool:
    """Fix glibc's mmap threshold at 1 MB (the process-wide setting); False where there is no glibc."""
    name = ctypes.util.find_library("c")
    if not name:
        return False
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to tune
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
