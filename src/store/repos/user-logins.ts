import type { Connection, mongo } from 'mongoose';
import type { Consistency } from '../consistency.ts';
import { isDuplicateKey } from './ids.ts';

/** `user_logins`: one pointer per sign-in email, keyed by the email, to the user's id. */
interface LoginPointer {
  _id: string;
  userId: string;
}

const META = 'store_meta';
const COMPLETE = 'user_logins_complete';

/**
 * Sign-in emails as `_id`s, so the password step finds a user with an `_id` read instead of a
 * query on `email` (which FerretDB 1.x answers by decoding every user; docs/store.md). Uniqueness
 * of emails stays with the unique index on `users.email`; a pointer is only trusted when the user
 * it names still has that email, so a pointer left behind by an interrupted change is harmless
 * and is replaced by the next claim.
 */
export function userLoginsIndex(connection: Connection, consistency: Consistency) {
  const db = () => connection.db as mongo.Db;
  const pointers = () => db().collection<LoginPointer>('user_logins');
  const exclusive = <T>(email: string, task: () => Promise<T>) =>
    consistency.exclusive('user_logins', email, task);
  /** Filter that matches the pointer only while it still names `userId` (atomic on MongoDB). */
  const naming = (email: string, userId: string): mongo.Filter<LoginPointer> =>
    consistency.atomicConditionalUpdates ? { _id: email, userId } : { _id: email };

  return {
    async userIdFor(email: string): Promise<string | null> {
      return (await pointers().findOne({ _id: email }))?.userId ?? null;
    },

    /**
     * Points `email` at `userId` unless a live user already holds it. `holder` loads a user by id
     * to tell a live pointer from a stale one. Returns false when the email is taken.
     */
    async claim(
      email: string,
      userId: string,
      holder: (userId: string) => Promise<{ email: string } | null>,
    ): Promise<boolean> {
      return exclusive(email, async () => {
        try {
          await pointers().insertOne({ _id: email, userId });
          return true;
        } catch (error) {
          if (!isDuplicateKey(error)) throw error;
        }
        const existing = await pointers().findOne({ _id: email });
        if (!existing) return false;
        if (existing.userId === userId) return true;
        if ((await holder(existing.userId))?.email === email) return false;
        const replaced = await pointers().updateOne(naming(email, existing.userId), {
          $set: { userId },
        });
        return replaced.matchedCount === 1;
      });
    },

    /** Removes the pointer if it still names this user. */
    async release(email: string, userId: string): Promise<void> {
      await exclusive(email, async () => {
        const existing = await pointers().findOne({ _id: email });
        if (existing?.userId === userId) await pointers().deleteOne(naming(email, userId));
      });
    },

    /**
     * Writes every pointer once for a database that has users from before pointers existed, then
     * remembers that it did, so later starts do not read the whole users collection.
     */
    async rebuildIfIncomplete(
      allUsers: () => Promise<Array<{ email: string; userId: string }>>,
    ): Promise<void> {
      const meta = db().collection<{ _id: string }>(META);
      if (await meta.findOne({ _id: COMPLETE })) return;
      for (const { email, userId } of await allUsers()) {
        await pointers().replaceOne({ _id: email }, { userId }, { upsert: true });
      }
      await meta.replaceOne({ _id: COMPLETE }, {}, { upsert: true });
    },
  };
}
