"""Baseline for `cardiac-uq uncertainty`: the same measures with numpy + scipy — predictive
entropy, mutual information (nats), and per structure Dice and ASSD between the mean-prediction
segmentation and each sample's, averaged over the samples.
Usage: python3 uncertainty_numpy.py SAMPLES.npy SX SY  → JSON on stdout."""
import json
import sys

import numpy as np
from scipy import ndimage

LABELS = {"RV": 1, "MYO": 2, "LV": 3}
FOOTPRINT = ndimage.generate_binary_structure(2, 1)


def xlogx(p):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(p > 0, p * np.log(p), 0.0)


def border(mask):
    return mask ^ ndimage.binary_erosion(mask, structure=FOOTPRINT, iterations=1)


def assd(a, b, spacing):
    if not a.any() and not b.any():
        return 0.0
    if not a.any() or not b.any():
        return None
    ba, bb = border(a), border(b)
    d_ab = ndimage.distance_transform_edt(~bb, sampling=spacing)[ba]
    d_ba = ndimage.distance_transform_edt(~ba, sampling=spacing)[bb]
    return float((d_ab.sum() + d_ba.sum()) / (d_ab.size + d_ba.size))


def main(path, sx, sy):
    samples = np.load(path).astype(np.float64)  # [T, H, W, C]
    mean = samples.mean(axis=0)
    entropy = -xlogx(mean).sum(axis=-1)
    expected = -xlogx(samples).sum(axis=-1).mean(axis=0)
    out = {"entropy": float(entropy.mean()), "mi": float((entropy - expected).mean())}
    seg_mean = mean.argmax(axis=-1)
    seg_samples = samples.argmax(axis=-1)
    for name, value in LABELS.items():
        a = seg_mean == value
        dices, distances = [], []
        for t in range(samples.shape[0]):
            b = seg_samples[t] == value
            total = a.sum() + b.sum()
            dices.append(1.0 if total == 0 else 2.0 * np.logical_and(a, b).sum() / total)
            d = assd(a, b, (sx, sy))
            if d is not None:
                distances.append(d)
        out[name] = {"dice_within": float(np.mean(dices)), "assd_within": float(np.mean(distances)) if distances else None}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], float(sys.argv[2]), float(sys.argv[3]))
