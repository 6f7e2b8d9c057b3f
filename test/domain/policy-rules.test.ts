/**
 * Stored policy rules and decisions (src/domain/policy-rules.ts): numbers written as their
 * shortest round-trip text come back bit for bit, +∞ included; null thresholds stay null; JSON
 * numbers (rows stored before) are read too; anything else is a StoredDataError.
 */
import { policyRules, sliceDecisions, storedDecisions, storedRules } from '../../src/domain/policy-rules';
import { StoredDataError } from '../../src/domain/stored-data';

describe('policy rules as stored', () => {
  it('round-trip exactly through JSON, +∞ and null included', () => {
    const rules = [
      { structure: 'LV' as const, measure: 'ENTROPY' as const, threshold: 0.34207698969383465 },
      { structure: 'RV' as const, measure: 'ASSD_WITHIN' as const, threshold: Infinity },
      { structure: 'MYO' as const, measure: 'MI' as const, threshold: null },
    ];
    const json = JSON.parse(JSON.stringify(storedRules(rules)));
    expect(json[0].threshold).toBe('0.34207698969383465');
    expect(json[1].threshold).toBe('Infinity');
    expect(policyRules({ id: 'p', rules: json })).toEqual(rules);
    const decisions = [{ ...rules[1], value: Infinity, flagged: true }];
    const stored = JSON.parse(JSON.stringify(storedDecisions(decisions)));
    expect(sliceDecisions({ id: 's', decisions: stored })).toEqual(decisions);
    expect(sliceDecisions({ id: 's', decisions: null })).toBeNull();
  });

  it('reads JSON numbers and refuses malformed rows', () => {
    expect(policyRules({ id: 'p', rules: [{ structure: 'LV', measure: 'MI', threshold: 0.5 }] })[0].threshold).toBe(
      0.5,
    );
    for (const rules of [
      [],
      [{ structure: 'LV', measure: 'MI', threshold: 'abc' }],
      [{ structure: 'XX', measure: 'MI', threshold: 1 }],
    ])
      expect(() => policyRules({ id: 'p', rules })).toThrow(StoredDataError);
  });
});
