import type { mongo } from 'mongoose';

/** The collection of recently ended provider sessions (expiring: `expiresAt`). */
export const ENDED_SESSIONS_COLLECTION = 'oidc_session_ended';

/** Long enough for any request that loaded a session before it ended to have finished. */
const REMEMBER_MS = 60 * 60 * 1000;

/**
 * Recently ended provider sessions, by stored id (the hash of the session's `jti`, the value of
 * its cookie). node-oidc-provider saves a session again at the
 * end of every request that used it (its lifetime is recomputed each time, docs/sessions.md), so
 * a request that loaded a session just before it was ended (sign-out, "sign out everywhere", a
 * password change) would otherwise write it back and undo the sign-out. The adapter refuses to
 * save a session whose stored id is here (src/store/oidc-adapter.ts). Keyed by `jti`, not `uid`:
 * the provider gives a session a new `jti` at each sign-in and deletes the old one, keeping the
 * `uid`, and that rotation must go on working.
 */
export function endedSessions(db: mongo.Db) {
  const ended = () => db.collection<{ _id: string; expiresAt: Date }>(ENDED_SESSIONS_COLLECTION);
  return {
    async remember(storedIds: readonly string[]): Promise<void> {
      const expiresAt = new Date(Date.now() + REMEMBER_MS);
      for (const id of new Set(storedIds)) {
        await ended().replaceOne({ _id: id }, { expiresAt }, { upsert: true });
      }
    },

    async has(storedId: string): Promise<boolean> {
      const doc = await ended().findOne({ _id: storedId });
      return doc !== null && doc.expiresAt.getTime() > Date.now();
    },
  };
}

export type EndedSessions = ReturnType<typeof endedSessions>;
