import type { mongo } from 'mongoose';
import { AppError } from '../domain/errors.ts';
import { isDuplicateKey } from './repos/ids.ts';

/**
 * What the database server guarantees for a write that depends on what was read, and how the store
 * makes up for what it does not (docs/store.md, "Atomic per-document operations").
 */
export interface Consistency {
  /** `mongodb` applies a filtered update atomically; `ferretdb` (1.x) scans, then writes. */
  readonly server: 'mongodb' | 'ferretdb';
  /**
   * True when a conditional update is atomic on the server itself, so several provider processes
   * may share the database. False on FerretDB: there only one provider process may run
   * (see `provider-lease.ts`) and this process serialises every write of a document.
   */
  readonly atomicConditionalUpdates: boolean;
  /** Runs `task` while no other task of this process holds the same document. */
  exclusive<T>(collection: string, id: unknown, task: () => Promise<T>): Promise<T>;
}

/**
 * Asks the server what it is: FerretDB answers `buildInfo` with a `ferretdbVersion` field. Only
 * FerretDB's absence of atomic conditional updates changes what the store does.
 */
export async function detectConsistency(db: mongo.Db): Promise<Consistency> {
  const info = await db.admin().command({ buildInfo: 1 });
  const server = 'ferretdbVersion' in info ? 'ferretdb' : 'mongodb';
  return {
    server,
    atomicConditionalUpdates: server === 'mongodb',
    exclusive: keyedSerialiser(),
  };
}

/** A per-key FIFO: tasks with the same key run one after another, others run freely. */
export function keyedSerialiser(): Consistency['exclusive'] {
  const tails = new Map<string, Promise<unknown>>();
  return async <T>(collection: string, id: unknown, task: () => Promise<T>): Promise<T> => {
    const key = `${collection}\u0000${String(id)}`;
    const previous = tails.get(key) ?? Promise.resolve();
    const run = previous.then(task, task);
    const settled = run.catch(() => undefined);
    tails.set(key, settled);
    try {
      return await run;
    } finally {
      if (tails.get(key) === settled) tails.delete(key);
    }
  };
}

/** What `decide` wants written (a MongoDB update on top-level fields) and what to answer. */
export interface Decision<R> {
  update?: { $set?: Record<string, unknown>; $unset?: Record<string, ''> } | null;
  result: R;
}

/** Field that counts every change made through `compareAndSet`, so a write can tell a lost race. */
export const REVISION_FIELD = 'rev';
/** Bound on lost races per write (each loss means another process made progress). */
const MAX_RACES = 32;

/**
 * The store's one primitive for writes that carry a security invariant (single-use codes, attempt
 * counters, consume-once tokens, enrollment confirmation): read the document, let `decide` look at
 * it and choose an update, and write it only if the document is still the one `decide` saw.
 *
 * On MongoDB the write is conditional on the document's revision, which the server applies
 * atomically across processes; a lost race re-reads and decides again. On FerretDB the filter
 * stays a bare `{_id}` (the only filter FerretDB 1.x pushes down to an index) and the whole
 * read-decide-write runs inside `exclusive`, which one provider process per database makes
 * sufficient. Either way two requests can never both act on the same state. A document that does
 * not exist is seen as null; if `decide` still wants a change, the document is created with it.
 */
/** Creates the document `decide` wanted to change while it did not exist; false if it now does. */
async function insertFresh<D extends { _id: unknown }>(
  collection: mongo.Collection<D>,
  id: D['_id'],
  fields: Record<string, unknown>,
): Promise<boolean> {
  try {
    await collection.insertOne({
      ...fields,
      _id: id,
      [REVISION_FIELD]: 1,
    } as unknown as mongo.OptionalUnlessRequiredId<D>);
    return true;
  } catch (error) {
    if (isDuplicateKey(error)) return false;
    throw error;
  }
}

export async function compareAndSet<D extends { _id: unknown }, R>(
  consistency: Consistency,
  collection: mongo.Collection<D>,
  id: D['_id'],
  decide: (current: D | null) => Decision<R> | Promise<Decision<R>>,
): Promise<R> {
  return consistency.exclusive(collection.collectionName, id, async () => {
    for (let attempt = 0; attempt < MAX_RACES; attempt++) {
      const filter = { _id: id } as mongo.Filter<D>;
      const current = (await collection.findOne(filter)) as D | null;
      const decision = await decide(current);
      if (!decision.update) return decision.result;
      if (!current) {
        if (await insertFresh(collection, id, decision.update.$set ?? {})) return decision.result;
        continue;
      }
      const seen = (current as Record<string, unknown>)[REVISION_FIELD] ?? null;
      const guarded = consistency.atomicConditionalUpdates
        ? ({ _id: id, [REVISION_FIELD]: seen } as mongo.Filter<D>)
        : filter;
      const written = await collection.updateOne(guarded, {
        ...decision.update,
        $set: { ...decision.update.$set, [REVISION_FIELD]: ((seen as number | null) ?? 0) + 1 },
      } as unknown as mongo.UpdateFilter<D>);
      if (written.matchedCount === 1) return decision.result;
    }
    throw new AppError('conflict', 'Too many simultaneous changes. Try again.');
  });
}
