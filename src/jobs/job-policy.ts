/**
 * How pg-boss watches running jobs (set on every queue at start; jobs inherit it):
 *
 * - heartbeat: a worker refreshes each job it holds every heartbeatSeconds / 2; a job whose
 *   heartbeat is older than heartbeatSeconds (worker killed, machine gone, process frozen) is
 *   failed by the supervisor of any live process and retried, and the old holder's job signal is
 *   aborted if it ever wakes up. pg-boss needs ≥ 10 s; 0 turns heartbeats off.
 * - expiry: the backstop for a job that keeps beating but never ends. Per queue, because a paper
 *   preset training member runs for hours and an evaluation shard for minutes.
 * - retries: RETRY_LIMIT (queues.ts) more attempts, retryDelaySeconds apart.
 * - superviseSeconds: how often a process looks for expired or silent jobs.
 *
 * Dependency-free so that config.ts can read the defaults.
 */
export interface JobPolicy {
  heartbeatSeconds: number;
  /** Overrides every queue's expiry (tests); unset: the per-queue defaults below. */
  expireSeconds?: number;
  retryDelaySeconds: number;
  superviseSeconds: number;
}

export const DEFAULT_JOB_POLICY = Object.freeze({
  heartbeatSeconds: 120,
  retryDelaySeconds: 5,
  superviseSeconds: 30,
});

/** Default expiry per queue name, seconds. */
export const DEFAULT_EXPIRE_SECONDS: Readonly<Record<string, number>> = Object.freeze({
  'dataset-create': 2 * 3600,
  'dataset-import': 2 * 3600,
  'train-member': 24 * 3600,
  'evaluate-shard': 4 * 3600,
  'infer-shard': 4 * 3600,
  'fit-temperature': 4 * 3600,
  // pg-boss caps expiry at 24 h; the study job outlives it only through its heartbeat and retries.
  study: 24 * 3600,
});

/** pg-boss queue options for one queue under a policy. */
export function queueOptions(name: string, policy: JobPolicy) {
  return {
    expireInSeconds: policy.expireSeconds ?? DEFAULT_EXPIRE_SECONDS[name] ?? 3600,
    retryDelay: policy.retryDelaySeconds,
    ...(policy.heartbeatSeconds > 0 ? { heartbeatSeconds: policy.heartbeatSeconds } : {}),
  };
}
