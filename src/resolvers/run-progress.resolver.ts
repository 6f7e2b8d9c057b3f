/**
 * `subscription runProgress(id)`: a run's status, progress, stage, ETA and error, sent on every
 * change and completed once the run has finished. Workers are separate processes, so the API
 * cannot hear their writes in process: each subscription reads the run by primary key every
 * POLL_MS and sends only what changed (docs/design.md "GraphQL API", subscriptions). A read that
 * finds the database away (restarting, docs/design.md "Processes and roles") sends nothing and tries
 * again; only an outage longer than OUTAGE_LIMIT_MS ends the subscription, with DATABASE_UNAVAILABLE.
 */
import { Arg, Field, Float, ID, ObjectType, Resolver, Root, Subscription, type PubSub } from 'type-graphql';
import { GraphQLError } from 'graphql';
import { isActive } from '../domain/constants';
import type { Store } from '../db/client';
import { isDatabaseUnavailable } from '../db/database';
import { RunStatus } from '../schema/enums';
import type { ApiContext } from './context';
import { notFound } from './errors';

/** How often a subscription reads its run: the workers write progress at most about once a second. */
export const POLL_MS = 1000;
/** How long a subscription waits out an unreachable database before it ends with DATABASE_UNAVAILABLE. */
export const OUTAGE_LIMIT_MS = 60000;

/**
 * type-graphql wants a PubSub once any subscription exists; ours each bring their own `subscribe`
 * (no topics), since an in-process bus would never hear the workers. A topic used by mistake fails loudly.
 */
export const NO_TOPICS: PubSub = {
  publish: () => {
    throw new Error('subscriptions read the store; there are no topics to publish to');
  },
  subscribe: () => {
    throw new Error('subscriptions read the store; there are no topics to subscribe to');
  },
};

@ObjectType({ description: "A run's progress as a subscription sends it" })
export class RunProgress {
  @Field(() => ID)
  id!: string;

  @Field(() => RunStatus)
  status!: RunStatus;

  @Field(() => Float, { description: 'Fraction done, 0..1' })
  progress!: number;

  @Field(() => String, { nullable: true })
  stage!: string | null;

  @Field(() => Float, { nullable: true })
  etaSeconds!: number | null;

  @Field(() => String, { nullable: true })
  error!: string | null;
}

const databaseUnavailable = () =>
  new GraphQLError('the database cannot be reached (it is restarting or down); subscribe again shortly', {
    extensions: { code: 'DATABASE_UNAVAILABLE' },
  });

const PROGRESS_FIELDS = { id: true, status: true, progress: true, stage: true, etaSeconds: true, error: true } as const;

function readProgress(store: Store, id: string): Promise<RunProgress | null> {
  return store.run.findUnique({ where: { id }, select: PROGRESS_FIELDS }) as Promise<RunProgress | null>;
}

/**
 * The run's progress each time it differs from the last sent, ending after a finished status.
 * `return()` (the client unsubscribed or went away) stops the polling at once, even mid-wait.
 */
export function progressChanges(
  store: Store,
  first: RunProgress,
  timing: { pollMs: number; outageLimitMs: number } = { pollMs: POLL_MS, outageLimitMs: OUTAGE_LIMIT_MS },
): AsyncIterableIterator<RunProgress> {
  let stopped = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    wake?.();
  };
  async function* changes(): AsyncGenerator<RunProgress> {
    let current: RunProgress | null = first;
    let sent = '';
    let awaySince: number | undefined;
    while (!stopped && current) {
      const text = JSON.stringify(current);
      if (text !== sent) {
        sent = text;
        yield current;
      }
      if (!isActive(current.status)) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, timing.pollMs);
      });
      if (stopped) return;
      try {
        current = await readProgress(store, first.id);
        awaySince = undefined;
      } catch (error) {
        if (!isDatabaseUnavailable(error)) throw error;
        awaySince ??= Date.now();
        if (Date.now() - awaySince > timing.outageLimitMs) throw databaseUnavailable();
      }
    }
  }
  const iterator = changes();
  return {
    next: () => iterator.next(),
    return: (value?: unknown) => {
      stop();
      return iterator.return(value);
    },
    throw: (error?: unknown) => {
      stop();
      return iterator.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

@Resolver()
export class RunProgressResolver {
  @Subscription(() => RunProgress, {
    description:
      "A run's status, progress, stage, ETA and error: sent now and on every change, completed once the run has finished (graphql-ws at /graphql)",
    subscribe: async ({ args, context }) => {
      const { store } = context as ApiContext;
      const id = (args as { id: string }).id;
      const first = await readProgress(store, id);
      if (!first) throw notFound('Run', id);
      return progressChanges(store, first);
    },
  })
  runProgress(@Arg('id', () => ID) _id: string, @Root() progress: RunProgress): RunProgress {
    return progress;
  }
}
