// A run's live progress: the `runProgress(id)` subscription over graphql-ws at /graphql (the
// client's browser build, served from its package at /vendor/graphql-ws), else polling `run(id)`
// when the server takes no WebSocket or the connection drops — as `cardiac-uq runs follow` does.
import { ApiError, gql, operatorKey } from './gql.js';

export const PROGRESS_FIELDS = 'id status progress stage etaSeconds error';
const POLL_MS = 2000;

let library;
function graphqlWs() {
  library ??= new Promise((resolve, reject) => {
    const script = Object.assign(document.createElement('script'), { src: '/vendor/graphql-ws/graphql-ws.min.js' });
    script.onload = () => (globalThis.graphqlWs ? resolve(globalThis.graphqlWs) : reject(new Error('no graphqlWs')));
    script.onerror = () => reject(new Error('the graphql-ws client is not served here'));
    document.head.append(script);
  });
  return library;
}

const apiError = (errors) =>
  new ApiError([...new Set(errors.map((e) => e.message))].join('; '), errors[0]?.extensions?.code);

/**
 * Calls `onProgress(progress, via)` (via: 'subscription' or 'polling') with the run's progress now
 * and on every change until it has finished; `onError` gets what the server refused. Returns stop().
 */
export function followRun(id, { isActive, onProgress, onError }) {
  let stopped = false;
  let timer = null;
  let dispose = () => {};
  async function poll() {
    if (stopped) return;
    try {
      const { run } = await gql(`query($id: ID!) { run(id: $id) { ${PROGRESS_FIELDS} } }`, { id });
      if (stopped || !run) return;
      onProgress(run, 'polling');
      if (isActive(run.status)) timer = setTimeout(poll, POLL_MS);
    } catch (error) {
      onError(error);
    }
  }
  graphqlWs()
    .then(({ createClient }) => {
      if (stopped) return;
      const key = operatorKey();
      const client = createClient({
        url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
        connectionParams: key ? { authorization: `Bearer ${key}` } : {},
        retryAttempts: 0,
      });
      let last = null;
      const unsubscribe = client.subscribe(
        { query: `subscription($id: ID!) { runProgress(id: $id) { ${PROGRESS_FIELDS} } }`, variables: { id } },
        {
          next: (result) => {
            if (result.errors?.length) return onError(apiError(result.errors));
            last = result.data.runProgress;
            onProgress(last, 'subscription');
          },
          // GraphQL errors: the server refused the operation (polling would be refused too); a
          // close event: no subscription here, or it dropped — poll from where it is.
          error: (error) => (Array.isArray(error) ? onError(apiError(error)) : poll()),
          complete: () => {
            if (!stopped && last && isActive(last.status)) poll();
          },
        },
      );
      dispose = () => {
        unsubscribe();
        client.dispose();
      };
    })
    .catch(() => poll());
  return () => {
    stopped = true;
    clearTimeout(timer);
    dispose();
  };
}
