/**
 * Per-subject parameters of the synthetic cine short-axis phantom, sampled with a seed from the
 * ranges in docs/design.md "Phantom" (typical adult cardiac MR figures). Pure data; geometry.ts turns
 * them into per-slice shapes and render.ts into pixels.
 */
import type { Rng } from '../../random';
import type { Site } from '../types';

export const PHANTOM_GROUPS = ['NOR', 'DCM', 'HCM', 'MINF', 'ARV'] as const;
export type PhantomGroup = (typeof PHANTOM_GROUPS)[number];

/** bSSFP-like tissue intensities before normalisation (docs/design.md "Phantom"). */
export interface TissueIntensities {
  blood: number;
  myocardium: number;
  fat: number;
  liver: number;
  muscle: number;
  lung: number;
  air: number;
}

export interface SubjectParams {
  site: Site;
  group: PhantomGroup;
  fieldStrengthT: 1.5 | 3;
  rows: number;
  cols: number;
  /** In-plane pixel spacing (rows, cols) in mm. */
  spacingMm: [number, number];
  sliceCount: number;
  sliceThicknessMm: number;
  sliceGapMm: number;
  /** LV centre relative to the image centre, mm (x = along columns, y = along rows). */
  heartOffsetMm: [number, number];
  /** In-plane rotation of the heart, radians. */
  rotationRad: number;
  /** Body centre relative to the LV centre, mm. */
  bodyOffsetMm: [number, number];
  bodySemiAxesMm: [number, number];
  subcutaneousFatMm: number;
  chestWallMm: number;
  aortaRadiusMm: number;

  lvMidDiameterEdMm: number;
  lvApexDiameterEdMm: number;
  /** Minor/major axis ratio of the cavity ellipse. */
  lvAxisRatio: number;
  /** Relative amplitudes and phases of 2nd/3rd harmonic shape irregularity. */
  lvShape: { a2: number; p2: number; a3: number; p3: number };
  ejectionFraction: number;
  /** Lateral and septal wall thickness at ED and ES, mm. */
  wallEdMm: { lateral: number; septal: number };
  wallEsMm: { lateral: number; septal: number };
  /** Thinned infarct segment (MINF). */
  infarct: { angleRad: number; halfWidthRad: number; thicknessMm: number } | null;
  papillary: { diameterMm: [number, number]; anglesRad: [number, number] };
  rvWidthEdMm: number;
  rvEjectionFraction: number;
  rvWallMm: number;
  /** RV absent in the last 1 or 2 (apical) slices. */
  rvAbsentSlices: number;
  /** Open myocardial ring at the outflow tract on the most basal slice. */
  openRingAtBase: boolean;
  lvotAngleRad: number;
  lvotHalfWidthRad: number;
  epicardialFatMm: { base: number; extra: number; angleRad: number };

  intensities: TissueIntensities;
  /** Half-range s of the coil bias field: it spans [1 − s, 1 + s] over the field of view. */
  biasHalfRange: number;
  biasCoefficients: number[];
  /** Rician noise σ as a fraction of blood intensity. */
  noiseFraction: number;
  blurSigmaPx: number;
  /** Dark off-resonance bands near the heart–lung border (site B at 3 T). */
  bands: { depth: number; periodMm: number; angleRad: number; curvature: number; widthFraction: number } | null;

  /** For the ACDC-layout Info.cfg. */
  edFrame: number;
  esFrame: number;
  nbFrames: number;
  heightCm: number;
  weightKg: number;
}

const deg = Math.PI / 180;

/** Group of subject `index` at site B: 20 % each, balanced in seeded blocks of five. */
export function siteBGroup(rng: Rng, index: number): PhantomGroup {
  const block = Math.floor(index / PHANTOM_GROUPS.length);
  const order = rng.child(`group-block-${block}`).shuffle(PHANTOM_GROUPS);
  return order[index % PHANTOM_GROUPS.length];
}

/** Sample one subject's parameters. `siteRng` is the site-level stream (for group balancing). */
export function sampleSubjectParams(site: Site, siteRng: Rng, index: number): SubjectParams {
  const rng = siteRng.child(`subject-${index}`).child('params');
  const group: PhantomGroup = site === 'A' ? 'NOR' : siteBGroup(siteRng, index);
  const fieldStrengthT: 1.5 | 3 = site === 'B' && rng.bernoulli(0.5) ? 3 : 1.5;

  let rows: number;
  let cols: number;
  let spacing: number;
  if (site === 'A') {
    spacing = rng.range(1.8, 2.1);
    rows = rng.int(192, 208);
    cols = rng.int(172, 188);
  } else {
    spacing = rng.range(0.7, 1.9);
    const fov = rng.range(260, 400);
    rows = clampInt(Math.round(fov / spacing), 150, 260);
    cols = clampInt(Math.round((fov * rng.range(0.8, 1)) / spacing), 150, 260);
  }

  // Healthy left ventricle (site A and the NOR/ARV groups).
  let lvMid = rng.range(45, 55);
  let ef = rng.range(0.55, 0.7);
  let wallEd = { lateral: rng.range(6, 10), septal: 0 };
  wallEd.septal = wallEd.lateral * rng.range(0.95, 1.1);
  let wallEs = { lateral: rng.range(10, 15), septal: 0 };
  wallEs.septal = wallEs.lateral * rng.range(0.95, 1.1);
  let rvWidth = rng.range(20, 35);
  let rvEf = rng.range(0.45, 0.65);
  let infarct: SubjectParams['infarct'] = null;

  switch (group) {
    case 'DCM': {
      lvMid *= rng.range(1.3, 1.5);
      ef = rng.range(0.1, 0.35);
      const w = rng.range(4, 6);
      wallEd = { lateral: w, septal: w * rng.range(0.95, 1.05) };
      const k = rng.range(1.05, 1.25);
      wallEs = { lateral: wallEd.lateral * k, septal: wallEd.septal * k };
      break;
    }
    case 'HCM': {
      lvMid *= rng.range(0.75, 0.95);
      ef = rng.range(0.7, 0.85);
      const septalPattern = rng.bernoulli(0.7);
      const peak = rng.range(13, 25);
      wallEd = septalPattern
        ? { lateral: rng.range(9, 13), septal: peak }
        : { lateral: peak * rng.range(0.85, 1), septal: peak };
      const k = rng.range(1.1, 1.25);
      wallEs = { lateral: wallEd.lateral * k, septal: wallEd.septal * k };
      break;
    }
    case 'MINF': {
      ef = rng.range(0.25, 0.45);
      lvMid *= rng.range(1.0, 1.2);
      infarct = {
        angleRad: rng.range(-Math.PI, Math.PI),
        halfWidthRad: rng.range(30, 50) * deg,
        thicknessMm: rng.range(3, 5),
      };
      break;
    }
    case 'ARV':
      rvWidth *= rng.range(1.4, 1.8);
      rvEf = rng.range(0.25, 0.45);
      break;
    default:
      break;
  }

  const base: TissueIntensities = {
    blood: rng.range(0.85, 1.0),
    myocardium: rng.range(0.22, 0.35),
    fat: rng.range(0.8, 0.95),
    liver: rng.range(0.35, 0.45),
    muscle: rng.range(0.2, 0.3),
    lung: rng.range(0.03, 0.08),
    air: rng.range(0.0, 0.02),
  };
  if (site === 'B') {
    // Blood/myocardium ratio 10–30 % different: darker myocardium at 3 T, brighter at 1.5 T.
    const k = rng.range(0.1, 0.3);
    base.myocardium *= fieldStrengthT === 3 ? 1 / (1 + k) : 1 + k;
  }

  const esFrame = rng.int(9, 14);
  return {
    site,
    group,
    fieldStrengthT,
    rows,
    cols,
    spacingMm: [spacing, spacing],
    sliceCount: rng.int(8, 12),
    sliceThicknessMm: site === 'A' ? 8 : rng.pick([5, 6, 7, 8, 10]),
    sliceGapMm: rng.range(0, 2),
    heartOffsetMm: [rng.range(-15, 15), rng.range(-15, 15)],
    rotationRad: rng.range(-20, 20) * deg,
    bodyOffsetMm: [rng.range(-45, -25), rng.range(35, 55)],
    bodySemiAxesMm: [rng.range(150, 185), rng.range(105, 130)],
    subcutaneousFatMm: rng.range(8, 20),
    chestWallMm: rng.range(8, 14),
    aortaRadiusMm: rng.range(10, 13),
    lvMidDiameterEdMm: lvMid,
    lvApexDiameterEdMm: rng.range(5, 15),
    lvAxisRatio: rng.range(0.85, 1.0),
    lvShape: {
      a2: rng.range(0, 0.04),
      p2: rng.range(0, 2 * Math.PI),
      a3: rng.range(0, 0.03),
      p3: rng.range(0, 2 * Math.PI),
    },
    ejectionFraction: ef,
    wallEdMm: wallEd,
    wallEsMm: wallEs,
    infarct,
    papillary: {
      diameterMm: [rng.range(4, 7), rng.range(4, 7)],
      anglesRad: [rng.range(-60, -40) * deg, rng.range(60, 85) * deg],
    },
    rvWidthEdMm: rvWidth,
    rvEjectionFraction: rvEf,
    rvWallMm: rng.range(2, 4),
    rvAbsentSlices: rng.int(1, 2),
    openRingAtBase: rng.bernoulli(0.6),
    lvotAngleRad: rng.range(-115, -85) * deg,
    lvotHalfWidthRad: rng.range(20, 40) * deg,
    epicardialFatMm: { base: rng.range(0.5, 2), extra: rng.range(2, 6), angleRad: rng.range(60, 150) * deg },
    intensities: base,
    biasHalfRange: site === 'A' ? rng.range(0.1, 0.3) : rng.range(0.3, 0.5),
    biasCoefficients: Array.from({ length: 5 }, () => rng.normal()),
    noiseFraction: rng.range(0.01, 0.03),
    blurSigmaPx: rng.range(0.5, 0.8),
    bands:
      fieldStrengthT === 3
        ? {
            depth: rng.range(0.6, 0.9),
            periodMm: rng.range(25, 45),
            angleRad: rng.range(0, Math.PI),
            curvature: rng.range(-0.5, 0.5),
            widthFraction: rng.range(0.04, 0.08),
          }
        : null,
    edFrame: 1,
    esFrame,
    nbFrames: rng.int(Math.max(esFrame + 8, 25), 30),
    heightCm: Math.round(rng.range(155, 195)),
    weightKg: Math.round(rng.range(50, 110)),
  };
}

function clampInt(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, Math.round(v)));
}
