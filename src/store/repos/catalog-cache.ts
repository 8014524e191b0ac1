import { randomUUID } from 'node:crypto';
import type { Connection, mongo } from 'mongoose';

/** How long a cached catalog is trusted before the version stamp is read again. */
const RECHECK_MS = 1000;

/**
 * An in-process cache of small, rarely changing, often read collections (roles and groups, read
 * on every authorization request). Every write stamps a new random version in `store_meta`; a
 * reader re-reads the stamp (one `_id` read) at most once a second and drops the cache when it
 * changed, so a change made by another process (the CLI, another instance) applies within a
 * second and a change made by this process applies at once.
 */
export function catalogCache(connection: Connection) {
  const meta = () =>
    (connection.db as mongo.Db).collection<{ _id: string; version: string }>('store_meta');
  const values = new Map<string, Promise<unknown>>();
  let version: string | null = null;
  let checkedAt = 0;

  async function refresh(): Promise<void> {
    if (Date.now() - checkedAt < RECHECK_MS) return;
    const stamp = (await meta().findOne({ _id: 'catalog' }))?.version ?? '';
    checkedAt = Date.now();
    if (stamp !== version) {
      version = stamp;
      values.clear();
    }
  }

  return {
    /** The cached value of `key`, loaded once per catalog version. */
    async get<T>(key: string, load: () => Promise<T>): Promise<T> {
      await refresh();
      let value = values.get(key) as Promise<T> | undefined;
      if (!value) {
        value = load();
        values.set(key, value);
        value.catch(() => values.delete(key));
      }
      return value;
    },

    /** Call after every write to the cached collections. */
    async changed(): Promise<void> {
      values.clear();
      checkedAt = 0;
      await meta().updateOne(
        { _id: 'catalog' },
        { $set: { version: randomUUID() } },
        { upsert: true },
      );
    },
  };
}

export type CatalogCache = ReturnType<typeof catalogCache>;
