/**
 * Subject-level QC flag from the EF posterior interval (docs/design.md "Definitions" → "Clinical
 * biomarkers"). A decision "EF < threshold" (e.g. 0.35 for a device, 0.50 for reduced function)
 * is uncertain when it differs at the two ends of the 95 % interval [lo, hi]:
 *
 *   crosses θ  ⇔  lo < θ ≤ hi
 *
 * A subject is flagged when its interval crosses any threshold (default 0.35 and 0.50), when it
 * is wider than `maxWidth` (hi − lo > maxWidth; default 0.10, 10 EF points), or when EF has no
 * interval (undefined in some sample: EDV = 0). The reasons say which.
 */
import type { Interval } from './interval-coverage';

export const DEFAULT_EF_THRESHOLDS: readonly number[] = Object.freeze([0.35, 0.5]);
export const DEFAULT_MAX_EF_INTERVAL_WIDTH = 0.1;

export interface SubjectFlagOptions {
  thresholds?: readonly number[];
  maxWidth?: number;
}

export type SubjectFlagReason =
  { kind: 'CROSSES'; threshold: number } | { kind: 'WIDE'; width: number } | { kind: 'EF_UNDEFINED' };

export interface SubjectFlag {
  flag: boolean;
  reasons: SubjectFlagReason[];
}

export function subjectFlag(efInterval: Interval | null, options: SubjectFlagOptions = {}): SubjectFlag {
  const thresholds = options.thresholds ?? DEFAULT_EF_THRESHOLDS;
  const maxWidth = options.maxWidth ?? DEFAULT_MAX_EF_INTERVAL_WIDTH;
  if (thresholds.some((t) => !Number.isFinite(t)) || !(maxWidth >= 0)) {
    throw new RangeError(
      `EF thresholds must be finite and the width ≥ 0 (thresholds ${thresholds.join(', ')}, width ${maxWidth})`,
    );
  }
  if (efInterval === null) return { flag: true, reasons: [{ kind: 'EF_UNDEFINED' }] };
  const { q025: lo, q975: hi } = efInterval;
  const reasons: SubjectFlagReason[] = thresholds
    .filter((t) => lo < t && t <= hi)
    .map((threshold) => ({ kind: 'CROSSES' as const, threshold }));
  if (hi - lo > maxWidth) reasons.push({ kind: 'WIDE', width: hi - lo });
  return { flag: reasons.length > 0, reasons };
}
