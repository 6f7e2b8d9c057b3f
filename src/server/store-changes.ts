/**
 * How far the store has changed, as this API process knows it: a counter, `generation`, raised on
 * every notification of channel `cardiac_uq_store_changed` (each statement that changes a table
 * of the store sends one when its transaction commits: migration 20261202060000_change_notifications),
 * on every mutation this process answers, and whenever the listening connection is lost or made.
 * Answers cached under one generation are not served under the next (./response-cache.ts).
 * While the connection is down `listening` is false and nothing is cached. Documented in
 * docs/design.md "Response cache".
 */
import pg from 'pg';

export const STORE_CHANGED_CHANNEL = 'cardiac_uq_store_changed';
/** Wait before listening again after the connection was lost (the embedded database restarting, say). */
const RECONNECT_MS = 1000;

export class StoreChanges {
  /** Raised on every change this process learns of. */
  generation = 0;
  /** Whether changes are being heard now; while not, `generation` cannot be trusted. */
  listening = false;
  private client: pg.Client | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly log: (message: string) => void,
  ) {}

  /** Resolves once listening (or once the first try failed: it then keeps trying in the background). */
  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, application_name: 'cardiac-uq store changes' });
    this.client = client;
    const lost = (why: string) => {
      if (this.client !== client) return;
      this.client = undefined;
      this.listening = false;
      this.bump();
      client.removeAllListeners();
      client.on('error', () => {});
      client.end().catch(() => {});
      if (this.closed) return;
      this.log(`store changes: ${why}; answers are not cached until listening again`);
      this.retry = setTimeout(() => void this.start(), RECONNECT_MS);
      this.retry.unref();
    };
    client.on('notification', () => this.bump());
    client.on('error', (error) => lost(error.message));
    client.on('end', () => lost('connection ended'));
    try {
      await client.connect();
      await client.query(`LISTEN ${STORE_CHANGED_CHANNEL}`);
    } catch (error) {
      lost((error as Error).message);
      return;
    }
    if (this.client !== client) return;
    // Whatever changed while nobody listened is unknown: start a new generation.
    this.bump();
    this.listening = true;
  }

  bump(): void {
    this.generation++;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    this.listening = false;
    await client?.end().catch(() => {});
  }
}
