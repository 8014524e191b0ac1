/**
 * Grows the users collection (and optionally the remembered browsers) of a running provider's
 * database to a target size, through the project's own store, for the bench's scale mode.
 *
 *   node bench/fill.ts --users 10000 [--browsers 1000000] [--concurrency 16]
 *                      [--uri mongodb://...] [--data-dir .data] [--drop]
 *   node bench/fill.ts --add 200 --password P --email-prefix bench-x   (the bench's own users)
 *
 * The database: --uri, else MONGODB_URI, else the local server that `npm start` (or the bench's
 * provider) runs for DATA_DIR (`<dir>/db/endpoint.json`). Filler users share ONE argon2id hash
 * (computed once; nobody signs in as them), so 100k users take seconds of CPU, not hours.
 * `--add N` adds exactly N users named `<prefix>-<i>@bench.test`, i = 0..N-1, all with the
 * password `--password` (argon2id with the ARGON2_* settings the provider uses, default 19456/2/1).
 * `--drop` drops the database instead, and only one whose name starts with `twofold_bench_`.
 * Prints one JSON line with the counts before and after.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import argon2 from 'argon2';
import { connectDatabase } from '../src/store/connection.ts';
import { detectConsistency } from '../src/store/consistency.ts';
import { createStore } from '../src/store/index.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string' },
    add: { type: 'string' },
    password: { type: 'string' },
    'email-prefix': { type: 'string' },
    browsers: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    uri: { type: 'string' },
    'data-dir': { type: 'string' },
    drop: { type: 'boolean', default: false },
  },
});

function databaseUri(): string {
  if (values.uri) return values.uri;
  if (process.env.MONGODB_URI) return process.env.MONGODB_URI;
  const dataDir = values['data-dir'] ?? process.env.DATA_DIR ?? '.data';
  const endpoint = join(dataDir, 'db', 'endpoint.json');
  if (!existsSync(endpoint))
    throw new Error(`no running local database: ${endpoint} is missing (is the provider up?)`);
  const parsed: unknown = JSON.parse(readFileSync(endpoint, 'utf8'));
  const uri = (parsed as { uri?: unknown }).uri;
  if (typeof uri !== 'string') throw new Error(`${endpoint} has no uri`);
  return uri;
}

const count = (text: string | undefined): number => {
  if (text === undefined) return 0;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`not a count: ${text}`);
  return n;
};

const log = (message: string) =>
  process.stderr.write(`[fill ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

/** Runs `task(i)` for i in [0, n) with at most `concurrency` at once, logging progress. */
async function pool(
  what: string,
  n: number,
  concurrency: number,
  task: (i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let done = 0;
  const started = performance.now();
  let lastLog = started;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      while (next < n) {
        const i = next++;
        let attempt = 0;
        for (;;) {
          try {
            await task(i);
            break;
          } catch (error) {
            // A retried create whose first try reached the server: the row is there.
            if (attempt > 0 && /already exists/.test((error as Error).message)) break;
            if (++attempt >= 3) throw error;
            await new Promise((r) => setTimeout(r, 500 * attempt));
          }
        }
        done++;
        const now = performance.now();
        if (now - lastLog > 5000) {
          lastLog = now;
          const rate = done / ((now - started) / 1000);
          log(`${what}: ${done}/${n}, ${rate.toFixed(0)}/s`);
        }
      }
    }),
  );
  log(`${what}: ${done} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

async function main(): Promise<void> {
  const uri = databaseUri();
  // 10 s to connect; 60 s per database call (generous: bulk inserts on a busy machine).
  const connection = await connectDatabase(uri, 10_000, 60_000);
  try {
    const db = connection.db;
    if (!db) throw new Error('no database handle');
    if (values.drop) {
      if (!db.databaseName.startsWith('twofold_bench_'))
        throw new Error(`refusing to drop ${db.databaseName}: not a bench database`);
      await db.dropDatabase();
      process.stdout.write(`${JSON.stringify({ dropped: db.databaseName })}\n`);
      return;
    }
    // The store's own view of the server (FerretDB or MongoDB), as the provider and CLI get it.
    const store = createStore(connection, await detectConsistency(db));
    const browsersCollection = db.collection('remembered_browsers');
    const concurrency = Math.max(1, count(values.concurrency));
    const started = performance.now();

    const usersBefore = await store.users.count();
    const addUsers =
      values.add !== undefined ? count(values.add) : Math.max(0, count(values.users) - usersBefore);
    if (addUsers > 0) {
      const env = (name: string, fallback: number) => count(process.env[name]) || fallback;
      // ONE hash for every user created here: nobody signs in as a filler user, and the bench's
      // own users all share one password.
      const passwordHash = await argon2.hash(
        values.password ?? randomBytes(18).toString('base64url'),
        {
          type: argon2.argon2id,
          memoryCost: env('ARGON2_MEMORY_KIB', 19456),
          timeCost: env('ARGON2_TIME_COST', 2),
          parallelism: env('ARGON2_PARALLELISM', 1),
        },
      );
      const prefix = values['email-prefix'] ?? `filler-${randomBytes(4).toString('hex')}`;
      await pool('users', addUsers, concurrency, async (i) => {
        await store.users.create({
          email: `${prefix}-${i}@bench.test`,
          name: `${prefix} ${i}`,
          passwordHash,
        });
      });
    }
    const usersAfter = await store.users.count();

    const browsersBefore = await browsersCollection.estimatedDocumentCount();
    const addBrowsers = Math.max(0, count(values.browsers) - browsersBefore);
    if (addBrowsers > 0) {
      const owners = (
        await db
          .collection('users')
          .find({}, { projection: { _id: 1 } })
          .limit(100_000)
          .toArray()
      ).map((doc) => doc._id.toString());
      if (!owners.length) throw new Error('no users to remember browsers for');
      const expiresAt = new Date(Date.now() + 90 * 24 * 3600 * 1000);
      await pool('remembered browsers', addBrowsers, concurrency, async (i) => {
        await store.rememberedBrowsers.create({
          userId: owners[i % owners.length] as string,
          tokenHash: randomBytes(32).toString('hex'),
          enrollmentId: randomUUID(),
          label: 'Firefox on Linux (bench filler)',
          expiresAt,
        });
      });
    }
    const collections: Record<string, number> = {};
    for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray())
      collections[name] = await db.collection(name).estimatedDocumentCount();
    process.stdout.write(
      `${JSON.stringify({
        users: { before: usersBefore, after: usersAfter },
        browsers: { before: browsersBefore, after: collections.remembered_browsers ?? 0 },
        seconds: (performance.now() - started) / 1000,
        collections,
      })}\n`,
    );
  } finally {
    await connection.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`fill failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
