/**
 * Differences in the report are printed with their sign always shown: "+" at or above zero, "−"
 * (U+2212, the typographic minus) below. The value is rounded first, so float noise that rounds
 * to zero reads +0.000 and never −0.000.
 */

/** `x` to `digits` decimals with its sign: +0.012, −0.0500. */
export function signed(x: number, digits: number): string {
  const rounded = Number(x.toFixed(digits));
  return `${rounded < 0 ? '−' : '+'}${Math.abs(rounded).toFixed(digits)}`;
}

/** A fraction as signed percentage points to one decimal: −5.0 %. */
export const signedPercent = (x: number) => `${signed(100 * x, 1)} %`;
