/**
 * The platform's fixed vocabulary, in one place: run states and the sets the code branches on,
 * the segmented structures, the uncertainty measures and the defaults the API, the CLI and the
 * study share (docs/design.md "Store"). The lists mirror the Prisma enums of prisma/schema.prisma;
 * test/domain/constants.test.ts holds them equal. The dashboard reads them from the API's
 * `constants` query.
 */
import type { DistortionKind, Method, Role, RunKind, RunStatus, Structure } from '../db/generated/enums';
import { STRUCTURES as ENGINE_STRUCTURES } from '../engine/data/types';
import { DEFAULT_ENSEMBLE_MEMBERS as ENGINE_DEFAULT_ENSEMBLE_MEMBERS } from '../engine/training/types';

export const RUN_STATUSES = Object.freeze([
  'QUEUED',
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
] as const satisfies readonly RunStatus[]);
/** A run still to be done: waiting for a worker or being worked on. */
export const ACTIVE_RUN_STATUSES = Object.freeze(['QUEUED', 'RUNNING'] as const satisfies readonly RunStatus[]);
/** A run that will not change any more. */
export const FINISHED_RUN_STATUSES = Object.freeze([
  'SUCCEEDED',
  'FAILED',
  'CANCELLED',
] as const satisfies readonly RunStatus[]);
/** A finished run that did not succeed: the study launches it again. */
export const UNSUCCESSFUL_RUN_STATUSES = Object.freeze(['FAILED', 'CANCELLED'] as const satisfies readonly RunStatus[]);

export type ActiveRunStatus = (typeof ACTIVE_RUN_STATUSES)[number];
export type FinishedRunStatus = (typeof FINISHED_RUN_STATUSES)[number];

export const isActive = (status: string): status is ActiveRunStatus =>
  (ACTIVE_RUN_STATUSES as readonly string[]).includes(status);
export const isFinished = (status: string): status is FinishedRunStatus =>
  (FINISHED_RUN_STATUSES as readonly string[]).includes(status);
export const isUnsuccessful = (status: string): boolean =>
  (UNSUCCESSFUL_RUN_STATUSES as readonly string[]).includes(status);

/** A Prisma `where` on the status of a run still to be done. */
export const ACTIVE_WHERE = Object.freeze({ in: [...ACTIVE_RUN_STATUSES] });

export const RUN_KINDS = Object.freeze([
  'DATASET',
  'TRAIN',
  'EVALUATE',
  'SWEEP',
  'STUDY',
  'INFER',
  'CALIBRATE',
] as const satisfies readonly RunKind[]);
/** API key roles, lowest first: each may do what those before it may (src/server/auth.ts). */
export const ROLES = Object.freeze(['ANALYST', 'REVIEWER', 'OPERATOR', 'ADMIN'] as const satisfies readonly Role[]);
export const METHODS = Object.freeze(['PLAIN', 'MC_DROPOUT', 'BBB', 'ENSEMBLE'] as const satisfies readonly Method[]);
export const DISTORTION_KINDS = Object.freeze([
  'NONE',
  'NOISE',
  'BLUR',
  'STRETCH',
] as const satisfies readonly DistortionKind[]);

/** LV cavity, myocardium, RV cavity, in the order tables list them (the engine's order). */
export const STRUCTURES: readonly Structure[] = ENGINE_STRUCTURES;

/** Uncertainty measures a QC curve ranks slices by (higher = review first). */
export const UNCERTAINTY_MEASURES = Object.freeze(['ENTROPY', 'MI', 'DICE_WITHIN', 'ASSD_WITHIN'] as const);
export type UncertaintyMeasureName = (typeof UNCERTAINTY_MEASURES)[number];

/** Deep Ensemble members when a training does not say (the engine's default). */
export const DEFAULT_ENSEMBLE_MEMBERS = ENGINE_DEFAULT_ENSEMBLE_MEMBERS;
