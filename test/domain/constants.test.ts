/**
 * The frozen vocabulary (src/domain/constants.ts) mirrors the Prisma enums as prisma/schema.prisma
 * declares them (read from the schema text, not from the generated client), and the GraphQL enums
 * the dashboard reads through the `constants` query.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ACTIVE_RUN_STATUSES,
  DEFAULT_ENSEMBLE_MEMBERS,
  DISTORTION_KINDS,
  FINISHED_RUN_STATUSES,
  METHODS,
  RUN_KINDS,
  ROLES,
  RUN_STATUSES,
  STRUCTURES,
  UNCERTAINTY_MEASURES,
  UNSUCCESSFUL_RUN_STATUSES,
  isActive,
  isFinished,
} from '../../src/domain/constants';
import { plannedVariantLabel, variantLabel } from '../../src/domain/methods';
import { planKey, studyPlan } from '../../src/services/study/plan';

const schema = fs.readFileSync(path.join(__dirname, '../../prisma/schema.prisma'), 'utf8');

function prismaEnum(name: string): string[] {
  const match = new RegExp(`^enum ${name} \\{([^}]*)\\}`, 'm').exec(schema);
  if (!match) throw new Error(`enum ${name} not in prisma/schema.prisma`);
  return match[1]
    .split('\n')
    .map((line) => line.replace(/\/\/.*$/, '').trim())
    .filter(Boolean);
}

describe('domain constants', () => {
  test('equal the Prisma enums, in declaration order', () => {
    expect([...RUN_STATUSES]).toEqual(prismaEnum('RunStatus'));
    expect([...RUN_KINDS]).toEqual(prismaEnum('RunKind'));
    expect([...METHODS]).toEqual(prismaEnum('Method'));
    expect([...DISTORTION_KINDS]).toEqual(prismaEnum('DistortionKind'));
    expect([...STRUCTURES]).toEqual(prismaEnum('Structure'));
    expect([...ROLES]).toEqual(prismaEnum('Role'));
  });

  test('active and finished states split the run states; the unsuccessful ones are finished', () => {
    expect([...ACTIVE_RUN_STATUSES, ...FINISHED_RUN_STATUSES].sort()).toEqual([...RUN_STATUSES].sort());
    expect(ACTIVE_RUN_STATUSES.filter((s) => (FINISHED_RUN_STATUSES as readonly string[]).includes(s))).toEqual([]);
    expect(UNSUCCESSFUL_RUN_STATUSES.every((s) => isFinished(s))).toBe(true);
    expect(RUN_STATUSES.filter((s) => isFinished(s) && !UNSUCCESSFUL_RUN_STATUSES.some((u) => u === s))).toEqual([
      'SUCCEEDED',
    ]);
    expect(RUN_STATUSES.filter(isActive)).toEqual(['QUEUED', 'RUNNING']);
    expect(Object.isFrozen(RUN_STATUSES) && Object.isFrozen(ACTIVE_RUN_STATUSES)).toBe(true);
  });

  test('the ensemble default and the uncertainty measures', () => {
    expect(DEFAULT_ENSEMBLE_MEMBERS).toBe(5);
    expect([...UNCERTAINTY_MEASURES]).toEqual(['ENTROPY', 'MI', 'DICE_WITHIN', 'ASSD_WITHIN']);
  });

  test('variantLabel names each trained variant from its stored config', () => {
    expect(variantLabel({ method: 'plain' })).toBe('PLAIN');
    expect(variantLabel({ method: 'mcd', dropout: { rate: 0.5, layers: 'middle' } })).toBe('MCD-0.5');
    expect(variantLabel({ method: 'mcd', dropout: { rate: 0.1, layers: 'all' } })).toBe('MCD-0.1-all');
    expect(variantLabel({ method: 'mcd' })).toBe('MCD-0.1');
    expect(variantLabel({ method: 'bbb' })).toBe('BBB');
    expect(variantLabel({ method: 'ensemble', members: 10 })).toBe('DE-10');
    expect(variantLabel({ method: 'ensemble' })).toBe('DE-5'); // the default M
    expect(variantLabel(undefined)).toBe('PLAIN');
  });

  test("a study plan's variants carry the labels their training runs will have; the plan key ignores labels", () => {
    expect(studyPlan('quick').variants.map((v) => v.label)).toEqual(['PLAIN', 'MCD-0.1', 'MCD-0.5', 'BBB', 'DE-4']);
    expect(studyPlan('paper').variants.map(plannedVariantLabel)).toEqual([
      'PLAIN',
      'MCD-0.1',
      'MCD-0.5',
      'BBB',
      'DE-10',
    ]);
    // A quick study stored while the ensemble was labelled "DE" is the same plan.
    const stored = studyPlan('quick');
    const old = {
      ...stored,
      variants: stored.variants.map((v) => (v.method === 'ENSEMBLE' ? { ...v, label: 'DE' } : v)),
    };
    expect(planKey(old)).toBe(planKey(stored));
    expect(planKey(studyPlan('quick', { members: 3 }))).not.toBe(planKey(stored));
  });
});
