/** The store's method names and the engine's, one to one. */
import type { Method as StoreMethod } from '../db/generated/enums';
import type { Method as EngineMethod } from '../engine/models/config';

export const ENGINE_METHOD: Readonly<Record<StoreMethod, EngineMethod>> = Object.freeze({
  PLAIN: 'plain',
  MC_DROPOUT: 'mcd',
  BBB: 'bbb',
  ENSEMBLE: 'ensemble',
});
