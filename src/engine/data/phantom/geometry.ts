/**
 * Shapes of one short-axis slice at one phase: LV cavity (ellipse with low-order irregularity),
 * papillary muscles, myocardial ring (septal/infarct thickness changes, open at the outflow tract on
 * the most basal slice), RV crescent on the septal side (image left = smaller column index), RV free
 * wall, epicardial fat, and the body around the heart (subcutaneous fat, chest wall, lungs, liver,
 * descending aorta, spine).
 *
 * Coordinates: mm from the image centre, x along columns (right), y along rows (down). The heart
 * frame is rotated by the subject's rotation about the LV centre; in it −x points to the septum.
 *
 * Ground truth uses the same shapes with a smooth contour jitter of ≈ 0.5 px RMS per contour
 * (low-order Fourier series), standing in for observer variability; the image uses the true shapes.
 */
import type { Rng } from '../../random';
import type { Phase } from '../types';
import type { SubjectParams } from './params';
// Math functions bound once: global lookups are slow inside jest's vm sandbox (≈1 µs each).
const { abs, cos, hypot, max, min, pow, sin, sqrt } = Math;

/** Tissue classes of the phantom (plain numeric constants: hot-loop friendly). */
export const Tissue = Object.freeze({
  AIR: 0,
  SUBCUT_FAT: 1,
  CHEST_MUSCLE: 2,
  SOFT: 3,
  LUNG: 4,
  LIVER: 5,
  AORTA: 6,
  SPINE: 7,
  EPI_FAT: 8,
  LV_BLOOD: 9,
  PAPILLARY: 10,
  MYO: 11,
  RV_BLOOD: 12,
  RV_WALL: 13,
  LVOT_BLOOD: 14,
});
export type Tissue = number;
const AIR = 0,
  SUBCUT_FAT = 1,
  CHEST_MUSCLE = 2,
  SOFT = 3,
  LUNG = 4,
  LIVER = 5,
  AORTA = 6,
  SPINE = 7;
const EPI_FAT = 8,
  LV_BLOOD = 9,
  PAPILLARY = 10,
  MYO = 11,
  RV_BLOOD = 12,
  RV_WALL = 13,
  LVOT_BLOOD = 14;
export const TISSUE_COUNT = 15;

/** Class index (0 background, 1 RV, 2 MYO, 3 LV) of each tissue. */
export const LABEL_OF_TISSUE = new Uint8Array(TISSUE_COUNT);
LABEL_OF_TISSUE[LV_BLOOD] = 3;
LABEL_OF_TISSUE[PAPILLARY] = 3;
LABEL_OF_TISSUE[MYO] = 2;
LABEL_OF_TISSUE[RV_BLOOD] = 1;

/** c, s → cos kφ / sin kφ coefficients of a 3-term Fourier series, in mm. */
interface Fourier3 {
  a1: number;
  b1: number;
  a2: number;
  b2: number;
  a3: number;
  b3: number;
}

function fourier(f: Fourier3, c1: number, s1: number): number {
  const c2 = c1 * c1 - s1 * s1;
  const s2 = 2 * c1 * s1;
  const c3 = c1 * c2 - s1 * s2;
  const s3 = s1 * c2 + c1 * s2;
  return f.a1 * c1 + f.b1 * s1 + f.a2 * c2 + f.b2 * s2 + f.a3 * c3 + f.b3 * s3;
}

function jitterSeries(rng: Rng, rmsMm: number): Fourier3 {
  // Six coefficients, each N(0, σ²): the series' RMS over φ is sqrt(6/2) σ.
  const sd = rmsMm / sqrt(3);
  return {
    a1: rng.normal(0, sd),
    b1: rng.normal(0, sd),
    a2: rng.normal(0, sd),
    b2: rng.normal(0, sd),
    a3: rng.normal(0, sd),
    b3: rng.normal(0, sd),
  };
}

/** Normalised position base (0) → apex (1) of slice i of n. */
export function slicePosition(i: number, n: number): number {
  return n > 1 ? i / (n - 1) : 0.5;
}

export class SliceScene {
  // heart frame
  readonly cx: number;
  readonly cy: number;
  private readonly cosT: number;
  private readonly sinT: number;
  // LV
  readonly endoRadiusMm: number;
  private readonly axisRatio: number;
  private readonly shape: Fourier3;
  private readonly wallLat: number;
  private readonly wallSep: number;
  private readonly infarct: { c: number; s: number; cosHalf: number; thick: number } | null;
  private readonly papillae: Array<{ x: number; y: number; r2: number }>;
  private readonly gap: { c: number; s: number; cosHalf: number } | null;
  private readonly fat: { base: number; extra: number; c: number; s: number };
  private readonly minWallMm: number;
  // RV (null when absent)
  readonly rv: { cx: number; cy: number; au: number; av: number; wall: number; fat: number } | null;
  // label jitter
  private readonly jEndo: Fourier3;
  private readonly jEpi: Fourier3;
  private readonly jRv: Fourier3;
  private readonly heartBound2: number;
  // body
  private readonly bx: number;
  private readonly by: number;
  private readonly bodyA2: number;
  private readonly bodyB2: number;
  private readonly fatA2: number;
  private readonly fatB2: number;
  private readonly muscleA2: number;
  private readonly muscleB2: number;
  private readonly lungDx: number;
  private readonly lungY: number;
  private readonly lungA2: number;
  private readonly lungB2: number;
  private readonly liver: { x: number; y: number; a: number; b: number } | null;
  private readonly aorta: { x: number; y: number; r2: number };
  private readonly spine: { x: number; y: number; r2: number };

  constructor(
    readonly params: SubjectParams,
    readonly phase: Phase,
    readonly sliceIndex: number,
    jitterRng: Rng,
  ) {
    const p = params;
    const pos = slicePosition(sliceIndex, p.sliceCount);
    const es = phase === 'ES';
    this.cx = p.heartOffsetMm[0];
    this.cy = p.heartOffsetMm[1];
    this.cosT = cos(p.rotationRad);
    this.sinT = sin(p.rotationRad);

    // Cavity diameter base → apex: D(p) = Dapex + (Dbase − Dapex) g(p), g = cos(pπ/2)^0.6, chosen so
    // D(0.5) is the mid-ventricular diameter. ES: area scales with (1 − EF).
    const g = (t: number) => pow(cos((t * Math.PI) / 2), 0.6);
    const dApex = p.lvApexDiameterEdMm;
    const dBase = dApex + (p.lvMidDiameterEdMm - dApex) / g(0.5);
    let dCav = dApex + (dBase - dApex) * g(pos);
    if (es) dCav *= sqrt(1 - p.ejectionFraction);
    this.endoRadiusMm = max(1.5, dCav / 2);
    this.axisRatio = p.lvAxisRatio;
    const sh = p.lvShape;
    const R = this.endoRadiusMm;
    this.shape = {
      a1: 0,
      b1: 0,
      a2: R * sh.a2 * cos(sh.p2),
      b2: -R * sh.a2 * sin(sh.p2),
      a3: R * sh.a3 * cos(sh.p3),
      b3: -R * sh.a3 * sin(sh.p3),
    };
    const wall = es ? p.wallEsMm : p.wallEdMm;
    const apexThin = 1 - 0.3 * pos * pos;
    this.wallLat = wall.lateral * apexThin;
    this.wallSep = wall.septal * apexThin;
    this.infarct = p.infarct
      ? {
          c: cos(p.infarct.angleRad),
          s: sin(p.infarct.angleRad),
          cosHalf: cos(p.infarct.halfWidthRad),
          thick: p.infarct.thicknessMm,
        }
      : null;
    this.minWallMm = 1.6 * max(p.spacingMm[0], p.spacingMm[1]);

    // Papillary muscles in mid slices, labelled LV (ACDC convention), myocardium intensity.
    this.papillae = [];
    const papScale = pos < 0.12 || pos > 0.85 ? 0 : min(1, (pos - 0.12) / 0.15, (0.85 - pos) / 0.15);
    for (let k = 0; k < 2 && papScale > 0; k++) {
      const r = (p.papillary.diameterMm[k] / 2) * (es ? 1.15 : 1) * max(0.5, papScale);
      if (R < 2.2 * r + 1) continue;
      const d = (R * (this.axisRatio + 1)) / 2 - r - 0.7;
      this.papillae.push({
        x: d * cos(p.papillary.anglesRad[k]),
        y: d * sin(p.papillary.anglesRad[k]),
        r2: r * r,
      });
    }

    this.gap =
      sliceIndex === 0 && p.openRingAtBase
        ? { c: cos(p.lvotAngleRad), s: sin(p.lvotAngleRad), cosHalf: cos(p.lvotHalfWidthRad) }
        : null;
    this.fat = {
      base: p.epicardialFatMm.base,
      extra: p.epicardialFatMm.extra,
      c: cos(p.epicardialFatMm.angleRad),
      s: sin(p.epicardialFatMm.angleRad),
    };

    // RV crescent: ellipse centred on the septal side, minus the LV; tapers towards the apex and is
    // absent in the last rvAbsentSlices slices.
    const rEpiMean = R + (this.wallLat + this.wallSep) / 2;
    const rvPresent = sliceIndex < p.sliceCount - p.rvAbsentSlices;
    if (rvPresent) {
      let w = p.rvWidthEdMm * (1 - 0.55 * pos);
      if (es) w *= sqrt(1 - p.rvEjectionFraction);
      w = max(w, 4);
      this.rv = {
        cx: -0.45 * rEpiMean,
        cy: -0.2 * rEpiMean,
        au: 0.55 * rEpiMean + w,
        av: 1.15 * rEpiMean + 0.35 * w,
        wall: p.rvWallMm,
        fat: p.epicardialFatMm.base + 1,
      };
    } else {
      this.rv = null;
    }

    const spacing = max(p.spacingMm[0], p.spacingMm[1]);
    const rms = 0.5 * spacing;
    this.jEndo = jitterSeries(jitterRng.child('endo'), rms);
    this.jEpi = jitterSeries(jitterRng.child('epi'), rms);
    this.jRv = jitterSeries(jitterRng.child('rv'), rms);

    const lvExtent = R * 1.15 + max(this.wallLat, this.wallSep) + this.fat.base + this.fat.extra + 3;
    const rvExtent = this.rv
      ? hypot(this.rv.cx, this.rv.cy) + max(this.rv.au, this.rv.av) + this.rv.wall + this.rv.fat + 3
      : 0;
    const bound = max(lvExtent, rvExtent);
    this.heartBound2 = bound * bound;

    // Body, fixed to the scanner frame (not rotated with the heart).
    this.bx = this.cx + p.bodyOffsetMm[0];
    this.by = this.cy + p.bodyOffsetMm[1];
    const [ba, bb] = p.bodySemiAxesMm;
    const f = p.subcutaneousFatMm;
    const m = p.chestWallMm;
    this.bodyA2 = ba * ba;
    this.bodyB2 = bb * bb;
    this.fatA2 = (ba - f) ** 2;
    this.fatB2 = (bb - f) ** 2;
    this.muscleA2 = (ba - f - m) ** 2;
    this.muscleB2 = (bb - f - m) ** 2;
    // two lungs, mirror images about the body's vertical axis
    this.lungDx = 0.5 * ba;
    this.lungY = this.by - 0.05 * bb;
    this.lungA2 = (0.38 * ba) ** 2;
    this.lungB2 = (0.72 * bb) ** 2;
    const lg = sqrt(max(0, (pos - 0.3) / 0.7));
    this.liver = lg > 0 ? { x: this.bx - 0.3 * ba, y: this.by + 0.1 * bb, a: 0.5 * ba * lg, b: 0.55 * bb * lg } : null;
    const ar = p.aortaRadiusMm;
    this.aorta = { x: this.bx + 0.2 * ba, y: this.by + 0.3 * bb, r2: ar * ar };
    this.spine = { x: this.bx + 0.02 * ba, y: this.by + 0.62 * bb, r2: 18 * 18 };
  }

  /**
   * Tissue at (x, y) mm. With `truth = true` the contours carry the observer jitter (use for the
   * ground-truth label at pixel centres); otherwise the true shapes (use for the image).
   */
  tissueAt(x: number, y: number, truth: boolean): number {
    const dx = x - this.cx;
    const dy = y - this.cy;
    const r2 = dx * dx + dy * dy;
    if (r2 < this.heartBound2) {
      const t = this.heartTissue(this.cosT * dx + this.sinT * dy, -this.sinT * dx + this.cosT * dy, r2, truth);
      if (t !== AIR) return t;
    }
    return this.bodyTissue(x, y);
  }

  /** Ground-truth class (0 background, 1 RV, 2 MYO, 3 LV) at (x, y) from the jittered contours. */
  labelAt(x: number, y: number): number {
    const dx = x - this.cx;
    const dy = y - this.cy;
    const r2 = dx * dx + dy * dy;
    if (r2 >= this.heartBound2) return 0;
    return LABEL_OF_TISSUE[
      this.heartTissue(this.cosT * dx + this.sinT * dy, -this.sinT * dx + this.cosT * dy, r2, true)
    ];
  }

  private heartTissue(hx: number, hy: number, r2: number, truth: boolean): number {
    const r = sqrt(r2);
    const c = r > 1e-9 ? hx / r : 1;
    const s = r > 1e-9 ? hy / r : 0;
    const q = this.axisRatio;
    let endo = (this.endoRadiusMm * q) / sqrt(q * q * c * c + s * s) + fourier(this.shape, c, s);
    // Wall: septal thickening towards −x, infarct thinning with a smooth angular taper.
    const sep = c < 0 ? c * c : 0;
    let wall = this.wallLat + (this.wallSep - this.wallLat) * sep;
    if (this.infarct) {
      const cosD = c * this.infarct.c + s * this.infarct.s;
      if (cosD > this.infarct.cosHalf) {
        const u = (cosD - this.infarct.cosHalf) / (1 - this.infarct.cosHalf);
        const taper = u * u * (3 - 2 * u);
        wall += (this.infarct.thick - wall) * taper;
      }
    }
    let epi = endo + wall;
    if (truth) {
      endo += fourier(this.jEndo, c, s);
      epi = max(epi + fourier(this.jEpi, c, s), endo + this.minWallMm);
    }
    if (r < endo) {
      if (!truth) {
        for (let k = 0; k < this.papillae.length; k++) {
          const pm = this.papillae[k];
          const px = hx - pm.x;
          const py = hy - pm.y;
          if (px * px + py * py < pm.r2) return PAPILLARY;
        }
      }
      return LV_BLOOD;
    }
    if (r < epi) {
      if (this.gap && c * this.gap.c + s * this.gap.s > this.gap.cosHalf) return LVOT_BLOOD;
      return MYO;
    }
    const rv = this.rv;
    if (rv) {
      const u = hx - rv.cx;
      const v = hy - rv.cy;
      let scale = 1;
      if (truth) {
        const d = sqrt(u * u + v * v) || 1;
        scale = 1 + fourier(this.jRv, u / d, v / d) / ((rv.au + rv.av) / 2);
      }
      const au = rv.au * scale;
      const av = rv.av * scale;
      if ((u * u) / (au * au) + (v * v) / (av * av) < 1) return RV_BLOOD;
      const aw = au + rv.wall;
      const bw = av + rv.wall;
      if ((u * u) / (aw * aw) + (v * v) / (bw * bw) < 1) return RV_WALL;
      const af = aw + rv.fat;
      const bf = bw + rv.fat;
      if ((u * u) / (af * af) + (v * v) / (bf * bf) < 1) return EPI_FAT;
    }
    const cosF = c * this.fat.c + s * this.fat.s;
    const fat = this.fat.base + (cosF > 0 ? this.fat.extra * cosF * cosF : 0);
    if (r < epi + fat) return EPI_FAT;
    return AIR; // "not heart": the caller falls through to the body
  }

  private bodyTissue(x: number, y: number): number {
    const dx = x - this.bx;
    const dy = y - this.by;
    const dx2 = dx * dx;
    const dy2 = dy * dy;
    if (dx2 / this.bodyA2 + dy2 / this.bodyB2 >= 1) return AIR;
    if (dx2 / this.fatA2 + dy2 / this.fatB2 >= 1) return SUBCUT_FAT;
    if (dx2 / this.muscleA2 + dy2 / this.muscleB2 >= 1) return CHEST_MUSCLE;
    const ax = x - this.aorta.x;
    const ay = y - this.aorta.y;
    if (ax * ax + ay * ay < this.aorta.r2) return AORTA;
    const sx = x - this.spine.x;
    const sy = y - this.spine.y;
    if (sx * sx + sy * sy < this.spine.r2) return SPINE;
    const lv = this.liver;
    if (lv !== null && inEllipse(x - lv.x, y - lv.y, lv.a, lv.b)) return LIVER;
    const ly = y - this.lungY;
    const ly2 = (ly * ly) / this.lungB2;
    if (ly2 < 1) {
      const lx = abs(dx) - this.lungDx;
      if ((lx * lx) / this.lungA2 + ly2 < 1) return LUNG;
    }
    return SOFT;
  }
}

function inEllipse(dx: number, dy: number, a: number, b: number): boolean {
  return (dx * dx) / (a * a) + (dy * dy) / (b * b) < 1;
}
