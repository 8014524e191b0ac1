import type { Connection, mongo } from 'mongoose';
import { compareAndSet, type Consistency } from '../consistency.ts';

/** What the provider does not keep about one of its sessions: where it was last used from. */
export interface SessionSighting {
  /** The provider session's `uid` (stable for the life of the session). */
  uid: string;
  /** A short label of the browser ("Firefox on Windows"), never the raw header. */
  browser: string;
  /** The client address of the last authorization through this session. */
  ip: string;
  lastActiveAt: Date;
}

interface ActivityDoc {
  _id: string;
  sessions?: SessionSighting[];
  rev?: number;
}

/** Collection of the sightings: one document per account (`_id` = account id). */
export const SESSION_ACTIVITY_COLLECTION = 'session_activity';

/** Sightings kept per account, most recently active first; older ones are dropped. */
export const MAX_SIGHTINGS = 50;

/**
 * `session_activity`: per account, one document read and written by `_id` only (no scan on the
 * sign-in path), holding the browser and address of each of its provider sessions. Changes go
 * through the store's compare-and-set, so two sign-ins of one account never lose each other's
 * sighting.
 */
export function sessionActivityRepository(connection: Connection, consistency: Consistency) {
  const collection = () =>
    (connection.db as mongo.Db).collection<ActivityDoc>(SESSION_ACTIVITY_COLLECTION);
  /** Applies `edit` to the stored list; writes only when it changed something. */
  const change = (accountId: string, edit: (sessions: SessionSighting[]) => SessionSighting[]) =>
    compareAndSet(consistency, collection(), accountId, (current) => {
      const before = current?.sessions ?? [];
      const after = edit(before);
      const same = after.length === before.length && after.every((s, i) => s === before[i]);
      return { update: same ? null : { $set: { sessions: after } }, result: undefined };
    });

  return {
    /** Records that a session of `accountId` was used now: it moves to the front of the list. */
    async record(accountId: string, sighting: SessionSighting): Promise<void> {
      await change(accountId, (sessions) =>
        [sighting, ...sessions.filter((s) => s.uid !== sighting.uid)].slice(0, MAX_SIGHTINGS),
      );
    },

    /** The account's sightings, most recently active first (some may be of ended sessions). */
    async list(accountId: string): Promise<SessionSighting[]> {
      return (await collection().findOne({ _id: accountId }))?.sessions ?? [];
    },

    /** Drops the sightings of these sessions (ended, or found gone while listing). */
    async forget(accountId: string, uids: readonly string[]): Promise<void> {
      if (!uids.length) return;
      const gone = new Set(uids);
      await change(accountId, (sessions) => sessions.filter((s) => !gone.has(s.uid)));
    },

    /** Drops every sighting of the account (all of its sessions ended). */
    async clear(accountId: string): Promise<void> {
      await consistency.exclusive(collection().collectionName, accountId, () =>
        collection().deleteOne({ _id: accountId }),
      );
    },
  };
}

export type SessionActivityRepository = ReturnType<typeof sessionActivityRepository>;
