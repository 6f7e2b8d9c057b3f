/**
 * What a study plan changes against the paper's design beyond sizes (services/study/plan.ts),
 * stated in the report's header: the extra site-A test subjects, the distortion sweeps' subject
 * sample and posterior samples, the ensemble member reused from the plain U-Net, and the evaluations
 * beside the paper's.
 */
import type { StudyPlan } from '../domain/run-config';

export function planNotes(plan: StudyPlan): string[] {
  const notes: string[] = [];
  const extra = plan.siteA.extraTestSubjects;
  if (extra)
    notes.push(
      `Site A has ${extra} further subjects, all in the test split, after the ${plan.siteA.subjects} split 70/10/20 % (training and validation data as without them).`,
    );
  if (plan.sweepSubjects !== undefined)
    notes.push(
      `Distortion sweeps run on a seeded sample of ${plan.sweepSubjects} site-A test subjects (seed: the repeat's; the subjects are recorded on each sweep run), their degree 0 on the same sample; the site-A test figures (sections 1, 4, 5) come from a separate undistorted evaluation of every test subject.`,
    );
  if (plan.sweepSamples !== undefined && plan.sweepSamples !== plan.samples)
    notes.push(
      `MC Dropout and BBB draw T = ${plan.sweepSamples} posterior samples in the distortion sweeps (section 2; T = ${plan.samples} elsewhere): the sweeps compare levels of one method, and half the samples halve their cost.`,
    );
  if (plan.reuseEnsembleMember)
    notes.push(
      "The ensemble's member 0 is the plain U-Net of the same repeat (same seed, configuration and data, so the same weights SHA-256): its checkpoint is reused, not trained again (audit event checkpoint.adopted).",
    );
  if (plan.extras)
    notes.push(
      `Beside the paper's variants: test-time augmentation for ${plan.extras.tta.join(', ') || 'none'} (site-A test and site B); temperature scaling for ${plan.extras.temperatureScaling.join(', ') || 'none'} (a temperature fitted per training on the validation split, then the site-A test evaluated with it, +TS).`,
    );
  return notes;
}
