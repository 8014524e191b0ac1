import { createHash } from 'node:crypto';
import type { Connection, mongo } from 'mongoose';

/** The collection of console sessions (expiring: `expiresAt`). */
export const CONSOLE_SESSIONS_COLLECTION = 'console_sessions';

/** A signed-in account or admin page session, bound to one provider SSO session. */
export interface ConsoleSessionRecord {
  userId: string;
  /** The `uid` of the provider session it rides on. */
  providerSessionUid: string;
  sessionEpoch: number;
  authTime: number;
  amr: string[];
  createdAt: Date;
  lastSeenAt: Date;
  /** The absolute end, whatever the activity. */
  expiresAt: Date;
}

interface ConsoleSessionDoc extends ConsoleSessionRecord {
  _id: string;
}

/** The stored key of a cookie value: its SHA-256, so a database dump holds no usable cookie. */
const keyOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * `console_sessions`: the server side of the account and admin pages' session cookie, so that
 * signing out revokes it (a copied cookie stops working) and idle and absolute lifetimes are
 * enforced here, not by the browser. Read and written by `_id` only.
 */
export function consoleSessionsRepository(connection: Connection) {
  const sessions = () =>
    (connection.db as mongo.Db).collection<ConsoleSessionDoc>(CONSOLE_SESSIONS_COLLECTION);
  return {
    async create(token: string, record: ConsoleSessionRecord): Promise<void> {
      await sessions().insertOne({ _id: keyOf(token), ...record });
    },

    async find(token: string): Promise<ConsoleSessionRecord | null> {
      return sessions().findOne({ _id: keyOf(token) }, { projection: { _id: 0 } });
    },

    async touch(token: string, at: Date): Promise<void> {
      await sessions().updateOne({ _id: keyOf(token) }, { $set: { lastSeenAt: at } });
    },

    async delete(token: string): Promise<void> {
      await sessions().deleteOne({ _id: keyOf(token) });
    },
  };
}

export type ConsoleSessionsRepository = ReturnType<typeof consoleSessionsRepository>;
