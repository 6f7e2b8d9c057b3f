"""Baseline for `cardiac-uq metrics`: what a user would otherwise run — medpy's definitions
(dc, hd, hd95; surfaces by binary erosion with 4-connectivity, distances by scipy's exact EDT
with the voxel spacing) per slice and structure, written with numpy + scipy directly; ASSD as
cardiac-uq defines it (pooled boundary distances; medpy's assd averages the two directed means).
Usage: python3 metrics_medpy_style.py PRED GT  → JSON on stdout."""
import json
import sys

import numpy as np
from scipy import ndimage

from nifti_min import read_nifti

LABELS = {"RV": 1, "MYO": 2, "LV": 3}
FOOTPRINT = ndimage.generate_binary_structure(2, 1)


def surface_distances(a, b, spacing):
    a_border = a ^ ndimage.binary_erosion(a, structure=FOOTPRINT, iterations=1)
    b_border = b ^ ndimage.binary_erosion(b, structure=FOOTPRINT, iterations=1)
    dt = ndimage.distance_transform_edt(~b_border, sampling=spacing)
    return dt[a_border]


def structure_metrics(a, b, spacing):
    sa, sb = a.sum(), b.sum()
    if sa == 0 and sb == 0:
        return {"dice": 1.0, "assd": 0.0, "hd": 0.0, "hd95": 0.0}
    dice = 2.0 * np.logical_and(a, b).sum() / (sa + sb)
    if sa == 0 or sb == 0:
        return {"dice": float(dice), "assd": None, "hd": None, "hd95": None}
    d_ab = surface_distances(a, b, spacing)
    d_ba = surface_distances(b, a, spacing)
    both = np.concatenate([d_ab, d_ba])
    return {
        "dice": float(dice),
        "assd": float(both.mean()),
        "hd": float(max(d_ab.max(), d_ba.max())),
        "hd95": float(np.percentile(both, 95)),
    }


def main(pred_path, gt_path):
    pred, _ = read_nifti(pred_path)
    gt, pixdim = read_nifti(gt_path)
    spacing = (pixdim[0], pixdim[1])
    slices = []
    for z in range(gt.shape[2]):
        p, g = pred[:, :, z], gt[:, :, z]
        row = {"z": z}
        for name, value in LABELS.items():
            row[name] = structure_metrics(p == value, g == value, spacing)
        slices.append(row)
    json.dump({"slices": slices}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
