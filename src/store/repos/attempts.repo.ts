import type { Connection, mongo } from 'mongoose';
import { compareAndSet, type Consistency } from '../consistency.ts';

/** The counter of failed attempts at one typed secret for one target (an account, an address). */
export interface AttemptCounter {
  failures: number;
  lockedUntil: Date | null;
  lastFailureAt: Date | null;
}

interface CounterDoc {
  _id: string;
  failures?: number;
  lockedUntil?: Date | null;
  lastFailureAt?: Date | null;
  expiresAt?: Date | null;
}

const EMPTY: AttemptCounter = { failures: 0, lockedUntil: null, lastFailureAt: null };

function toCounter(doc: CounterDoc | null): AttemptCounter {
  if (!doc) return EMPTY;
  return {
    failures: doc.failures ?? 0,
    lockedUntil: doc.lockedUntil ?? null,
    lastFailureAt: doc.lastFailureAt ?? null,
  };
}

/**
 * `attempts`: one document per throttled target, keyed by a name such as
 * `password:account:<email>` (so unknown accounts are counted like known ones) or
 * `password:address:<ip>`. Every change goes through the store's compare-and-set, so a burst of
 * parallel attempts is counted one by one (docs/store.md). A counter carries `expiresAt` when it
 * may be forgotten: the periodic purge then removes counters an attacker sprayed.
 */
export function attemptsRepository(connection: Connection, consistency: Consistency) {
  const counters = () => (connection.db as mongo.Db).collection<CounterDoc>('attempts');
  return {
    async get(key: string): Promise<AttemptCounter> {
      return toCounter(await counters().findOne({ _id: key }));
    },

    /** Removes the counter of `key` (back to no failures). */
    async forget(key: string): Promise<void> {
      await consistency.exclusive(counters().collectionName, key, () =>
        counters().deleteOne({ _id: key }),
      );
    },

    /**
     * Lets `decide` see the counter as stored now and choose its next value (or none), written
     * only if nothing changed it in between.
     */
    change<R>(
      key: string,
      decide: (counter: AttemptCounter) => {
        next?: AttemptCounter & { expiresAt: Date | null };
        result: R;
      },
    ): Promise<R> {
      return compareAndSet(consistency, counters(), key, (doc) => {
        const { next, result } = decide(toCounter(doc));
        return { update: next ? { $set: { ...next } } : null, result };
      });
    },
  };
}

export type AttemptsRepository = ReturnType<typeof attemptsRepository>;
