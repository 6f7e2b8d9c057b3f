"""Minimal NIfTI-1 reader for the baselines (nibabel is not installed here): gzip or plain,
the datatypes the benchmark writes, scl_slope/scl_inter applied as nibabel does."""
import gzip
import struct

import numpy as np

DTYPES = {2: np.uint8, 4: np.int16, 8: np.int32, 16: np.float32, 64: np.float64, 512: np.uint16}


def read_nifti(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    dim = struct.unpack_from("<8h", raw, 40)
    datatype = struct.unpack_from("<h", raw, 70)[0]
    pixdim = struct.unpack_from("<8f", raw, 76)
    vox_offset = int(struct.unpack_from("<f", raw, 108)[0])
    slope, inter = struct.unpack_from("<2f", raw, 112)
    shape = tuple(d for d in dim[1 : dim[0] + 1])
    data = np.frombuffer(raw, dtype=DTYPES[datatype], count=int(np.prod(shape)), offset=vox_offset)
    data = data.reshape(shape, order="F")
    if slope not in (0.0,) and np.isfinite(slope):
        data = data * slope + inter
    return data, pixdim[1 : dim[0] + 1]
