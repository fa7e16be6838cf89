"""Writes cellpose_size_v1.npy: the byte layout of np.save(path, {'A', 'smean', 'diam_mean', 'ymean'}) as Cellpose's
SizeModel.train saves it (numpy object array, pickle protocol 3), without needing numpy: stand-in modules give the
pickler numpy's global names and numpy's own __reduce__ tuples (ndarray, dtype, scalar).

Values (checked by CellposeSizeFileTests): A[i] = (i % 7 - 3) / 100, smean[i] = i / 1024 (float32, 256 values),
diam_mean = float32 30, ymean = float32 0.125.
"""
import io, pickle, struct, sys, types

np = types.ModuleType("numpy"); core = types.ModuleType("numpy.core"); ma = types.ModuleType("numpy.core.multiarray")
sys.modules.update({"numpy": np, "numpy.core": core, "numpy.core.multiarray": ma})

def _reconstruct(*a): pass
def scalar(*a): pass
_reconstruct.__module__ = scalar.__module__ = "numpy.core.multiarray"
ma._reconstruct, ma.scalar = _reconstruct, scalar

class ndarray: pass
ndarray.__module__ = "numpy"; np.ndarray = ndarray

class dtype:
    def __init__(self, code): self.code = code
    def __reduce__(self):
        return (dtype, (self.code, False, True), (3, "<" if self.code != "O8" else "|", None, None, None, -1, -1, 0 if self.code != "O8" else 63))
dtype.__module__ = "numpy"; np.dtype = dtype

class Array:
    def __init__(self, code, shape, data): self.dt, self.shape, self.data = dtype(code), shape, data
    def __reduce__(self):
        return (_reconstruct, (ndarray, (0,), b"b"), (1, self.shape, self.dt, False, self.data))

class Scalar:
    def __init__(self, value): self.value = value
    def __reduce__(self): return (scalar, (dtype("f4"), struct.pack("<f", self.value)))

A = struct.pack("<256f", *[(i % 7 - 3) / 100 for i in range(256)])
smean = struct.pack("<256f", *[i / 1024 for i in range(256)])
params = {"A": Array("f4", (256,), A), "smean": Array("f4", (256,), smean), "diam_mean": Scalar(30.0), "ymean": Scalar(0.125)}
top = Array("O8", (), [params])

header = "{'descr': '|O', 'fortran_order': False, 'shape': (), }"
pad = 64 - (10 + len(header) + 1) % 64
header = header + " " * pad + "\n"
with open("cellpose_size_v1.npy", "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode("latin1"))
    pickle.dump(top, f, protocol=3)
