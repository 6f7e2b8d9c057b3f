/** The report's signed differences (src/report/signed-number.ts), by hand. */
import { signed, signedPercent } from '../../src/report/signed-number';

test('the sign is always shown, with the typographic minus below zero', () => {
  expect(signed(0.012, 3)).toBe('+0.012');
  expect(signed(-0.05, 4)).toBe('−0.0500');
  expect(signed(0, 2)).toBe('+0.00');
  expect(signedPercent(-0.05)).toBe('−5.0 %');
  expect(signedPercent(0.1234)).toBe('+12.3 %');
});

test('float noise that rounds to zero reads +0, never −0', () => {
  expect(signed(-0.00001, 3)).toBe('+0.000');
  expect(signed(-1e-17, 4)).toBe('+0.0000');
  expect(signedPercent(-0.0004)).toBe('+0.0 %');
});
