/** `constants` gives front ends the platform's vocabulary: the values of the store's own enums. */
import { usePlatform } from '../support/platform';

describe('constants query', () => {
  const fx = usePlatform('api');

  test('structures, run states, measures and the ensemble default', async () => {
    const res = await fx.api.gql(
      '{ constants { structures runStatuses activeRunStatuses finishedRunStatuses uncertaintyMeasures defaultEnsembleMembers } }',
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data.constants).toEqual({
      structures: ['LV', 'MYO', 'RV'],
      runStatuses: ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'],
      activeRunStatuses: ['QUEUED', 'RUNNING'],
      finishedRunStatuses: ['SUCCEEDED', 'FAILED', 'CANCELLED'],
      uncertaintyMeasures: ['ENTROPY', 'MI', 'DICE_WITHIN', 'ASSD_WITHIN'],
      defaultEnsembleMembers: 5,
    });
  });
});
