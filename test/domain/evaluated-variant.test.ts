/** The variant an evaluation measured: the trained variant plus +TTA and +TS (docs/design.md "Test-time augmentation"). */
import { evaluatedVariantLabel } from '../../src/domain/methods';

test.each([
  [{ method: 'plain' }, { testTimeAugmentation: true, temperatureScaling: null }, 'PLAIN+TTA'],
  [
    { method: 'mcd', dropout: { rate: 0.1 } },
    { testTimeAugmentation: true, temperatureScaling: { temperature: 1.3 } },
    'MCD-0.1+TTA+TS',
  ],
  [{ method: 'ensemble', members: 5 }, { temperatureScaling: { temperature: 0.8 } }, 'DE-5+TS'],
  // Evaluations launched before either option have neither field.
  [{ method: 'bbb' }, {}, 'BBB'],
  [{ method: 'bbb' }, null, 'BBB'],
])('%j evaluated with %j is %s', (training, evaluation, label) => {
  expect(evaluatedVariantLabel(training, evaluation)).toBe(label);
});
