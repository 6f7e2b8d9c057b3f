/**
 * Failed authentication (401s), per client address (IPv6 by /56 subnet, as express-rate-limit
 * groups them), in fixed windows (README "Access"):
 *
 * - throttle: after `limit` failures in a window the address is answered 429 with Retry-After until
 *   the window ends, whatever it sends, a good key included (otherwise guessing would go on at full
 *   speed, a success told apart from a 429). Checked when a request arrives, counted when it has
 *   failed, so a burst in flight at once can pass the limit by its size, once;
 * - audit: one `auth.failed` event per address per window, with its counts, not one per request.
 *
 * Counted here rather than with express-rate-limit: that counts every request on arrival and
 * uncounts the successful ones when they finish, so a dashboard's burst of parallel good requests
 * would trip a limit meant for failures.
 */
import { ipKeyGenerator } from 'express-rate-limit';
import { audit } from '../db/audit';
import type { Store } from '../db/client';

interface Counts {
  failures: number;
  throttled: number;
}

export class AuthFailures {
  private counts = new Map<string, Counts>();
  private windowStart = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly options: { limit: number; windowMs?: number; onError?: (error: Error) => void },
  ) {
    // A window's counts that cannot be written (the store is down) are reported, not retried.
    this.timer = setInterval(() => this.flush().catch((error: Error) => this.options.onError?.(error)), this.windowMs);
    this.timer.unref();
  }

  private get windowMs() {
    return this.options.windowMs ?? 60000;
  }

  /** The address as counted: an IPv4 address, or an IPv6 /56 subnet. */
  static addressOf(ip: string | undefined): string {
    return ipKeyGenerator(ip ?? 'unknown');
  }

  /** Seconds this address must wait before it is heard again; 0 when it may go on. */
  retryAfter(address: string): number {
    const counts = this.counts.get(address);
    if (!counts || this.options.limit <= 0 || counts.failures < this.options.limit) return 0;
    counts.throttled++;
    return Math.max(1, Math.ceil((this.windowStart + this.windowMs - Date.now()) / 1000));
  }

  failed(address: string): void {
    const counts = this.counts.get(address) ?? { failures: 0, throttled: 0 };
    counts.failures++;
    this.counts.set(address, counts);
  }

  /** Ends the window: its counts go to the audit log, and every address starts again from 0. */
  async flush(): Promise<void> {
    const ended = this.counts;
    const from = new Date(this.windowStart).toISOString();
    this.counts = new Map();
    this.windowStart = Date.now();
    const to = new Date(this.windowStart).toISOString();
    for (const [address, counts] of ended) {
      await audit(this.store, {
        actor: 'unauthenticated',
        action: 'auth.failed',
        entity: 'Client',
        entityId: address,
        details: { ...counts, from, to },
      });
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
