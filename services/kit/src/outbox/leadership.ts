import type { Logger } from 'pino';
import type { Queryable, Session, SessionDb } from '../db/types.js';

const LOCK = "hashtext(current_schema() || '.outbox-relay')";

/**
 * Which relay publishes a schema's outbox: the one whose dedicated connection holds a session-level
 * advisory lock. Holding a connection rather than a transaction keeps the relay's statements short
 * (autocommit) while Kafka is called, and the lock ends with its connection: a relay that dies
 * (its process killed, its connection lost) hands over at once, without waiting out a lease.
 * PGlite lives inside one process, so there is nobody to coordinate with: its Db is used as is.
 */
export class RelayLeadership {
  private held: { session: Session; release: () => void; ended: Promise<void> } | undefined;

  constructor(
    private readonly db: SessionDb,
    private readonly logger: Logger,
  ) {}

  /** Where the leader runs its statements; undefined while another relay holds the lock. */
  async acquire(): Promise<Queryable | undefined> {
    if (this.db.kind === 'pglite') return this.db;
    if (this.held) return this.held.session;
    let resolve!: (session: Session | undefined) => void;
    let reject!: (error: unknown) => void;
    const won = new Promise<Session | undefined>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    let release!: () => void;
    const released = new Promise<void>((res) => {
      release = res;
    });
    const ended = this.db
      .session(async (session) => {
        const { rows } = await session.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${LOCK}) AS locked`);
        if (!rows[0]?.locked) return resolve(undefined);
        resolve(session);
        await released;
        // A failed unlock fails the session, and the kit destroys the connection (and the lock with it).
        await session.query(`SELECT pg_advisory_unlock(${LOCK})`);
      })
      .catch((error: unknown) => {
        reject(error);
        this.logger.warn({ err: error }, 'outbox relay lost its leadership connection');
      })
      .finally(() => {
        if (this.held?.ended === ended) this.held = undefined;
      });
    const session = await won;
    if (session) this.held = { session, release, ended };
    return session;
  }

  /**
   * Gives the lock and its connection back: after a failed statement (the connection may be gone),
   * and at shutdown. The next `acquire` competes for it again.
   */
  async release(): Promise<void> {
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    held.release();
    await held.ended;
  }
}
