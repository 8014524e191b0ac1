/**
 * `npm run bench`: measures the provider on loopback against stated goals and exits non-zero when
 * one is missed. Starts its own database (MONGODB_URI, else mongod, else FerretDB) and provider,
 * runs bounded loops only, and stops everything it started.
 *
 *   BENCH_SIGNIN_SECONDS  duration of the sign-in load (default 10)
 *   BENCH_CONCURRENCY     simultaneous browsers signing in (default 4)
 */
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, PROJECT_ROOT } from '../src/config.ts';
import { generateTotpSecret, totpCodeAt, verifyTotp } from '../src/domain/totp.ts';
import { createLogger, startServer, type RunningServer } from '../src/server.ts';
import { freePort, provisionDatabase, type LocalDatabase } from '../src/store/local-database.ts';
import { HttpBrowser } from '../test/support/http-browser.ts';
import {
  atCallback,
  discoverRp,
  redeem,
  signInWithPassword,
} from '../test/support/relying-party.ts';

const SIGNIN_SECONDS = Number(process.env.BENCH_SIGNIN_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const TOTP_SECONDS = 2;
const HTTP_SECONDS = 3;
const HTTP_CONCURRENCY = 8;
const ARGON2_SAMPLES = 10;

interface Row {
  what: string;
  value: string;
}
interface Goal {
  name: string;
  ok: boolean;
  detail: string;
}

const rows: Row[] = [];
const goals: Goal[] = [];

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const perSecond = (value: number, unit: string) =>
  `${Math.round(value).toLocaleString('en-US')} ${unit}/s`;

function goal(name: string, ok: boolean, detail: string): void {
  goals.push({ name, ok, detail });
}

/** (a) TOTP verification in-process: the cost the server pays per submitted code. */
function benchTotp(): void {
  const secret = generateTotpSecret();
  const deadline = performance.now() + TOTP_SECONDS * 1000;
  let ops = 0;
  let accepted = 0;
  const started = performance.now();
  while (performance.now() < deadline && ops < 5_000_000) {
    for (let i = 0; i < 500; i++) {
      const nowMs = Date.now();
      // Alternate valid and wrong codes: a wrong code checks every step in the window.
      const code = i % 2 === 0 ? totpCodeAt(secret, nowMs) : '000000';
      const result = verifyTotp({ secret, code, nowMs, window: 1, lastUsedStep: null });
      if (result.ok) accepted++;
      ops++;
    }
  }
  const rate = ops / ((performance.now() - started) / 1000);
  rows.push({
    what: 'TOTP verify (window ±1, in-process)',
    value: `${perSecond(rate, 'ops')} (${ops} ops)`,
  });
  goal('TOTP verify > 10,000 ops/s', rate > 10_000 && accepted > 0, perSecond(rate, 'ops'));
}

/** (c) argon2id hash and verify with the configured parameters. */
async function benchArgon2(op: RunningServer, params: string): Promise<void> {
  const hashTimes: number[] = [];
  const verifyTimes: number[] = [];
  const password = `bench-${randomBytes(9).toString('base64url')}`;
  for (let i = 0; i < ARGON2_SAMPLES; i++) {
    let t = performance.now();
    const hash = await op.services.passwords.hash(password);
    hashTimes.push(performance.now() - t);
    t = performance.now();
    if (!(await op.services.passwords.verify(hash, password))) throw new Error('verify failed');
    verifyTimes.push(performance.now() - t);
  }
  hashTimes.sort((a, b) => a - b);
  verifyTimes.sort((a, b) => a - b);
  rows.push({
    what: `argon2id hash (${params})`,
    value: `p50 ${ms(percentile(hashTimes, 50))}, max ${ms(hashTimes.at(-1) ?? NaN)}`,
  });
  rows.push({
    what: 'argon2id verify',
    value: `p50 ${ms(percentile(verifyTimes, 50))}, max ${ms(verifyTimes.at(-1) ?? NaN)}`,
  });
  goal(
    'argon2id hash p50 < 250 ms (slow for attackers, fast enough for users)',
    percentile(hashTimes, 50) < 250,
    ms(percentile(hashTimes, 50)),
  );
}

/** (b) Full password sign-ins: authorization request -> login page -> POST -> code -> tokens. */
async function benchSignIn(op: RunningServer, issuer: string): Promise<void> {
  const produce = await discoverRp(issuer);
  const users = [];
  for (let i = 0; i < CONCURRENCY; i++) {
    const password = `pw-${randomBytes(12).toString('base64url')}`;
    const user = await op.store.users.create({
      email: `bench-${i}-${randomBytes(3).toString('hex')}@example.com`,
      name: `Bench ${i}`,
      passwordHash: await op.services.passwords.hash(password),
      roleIds: [],
      groupIds: [],
    });
    users.push({ email: user.email, password });
  }
  const latencies: number[] = [];
  let failures = 0;
  let firstError = '';
  const deadline = performance.now() + SIGNIN_SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    users.map(async (user) => {
      while (performance.now() < deadline) {
        const t = performance.now();
        try {
          const browser = new HttpBrowser(); // a new browser each time: no SSO shortcut
          const { step, pending } = await signInWithPassword(
            browser,
            produce,
            user.email,
            user.password,
          );
          if (!atCallback(produce, step)) throw new Error(`sign-in stopped at ${step.status}`);
          const tokens = await redeem(produce, step.url, pending);
          if (!tokens.id_token) throw new Error('no ID token');
          latencies.push(performance.now() - t);
        } catch (error) {
          failures++;
          firstError ||= (error as Error).message;
          if (failures > 50) return;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const p95 = percentile(latencies, 95);
  rows.push({
    what: `full sign-in, ${CONCURRENCY} browsers, ${SIGNIN_SECONDS} s`,
    value: `${latencies.length} ok, ${failures} failed; ${(latencies.length / elapsed).toFixed(1)} sign-ins/s`,
  });
  rows.push({
    what: 'full sign-in latency',
    value: `p50 ${ms(percentile(latencies, 50))}, p95 ${ms(p95)}, max ${ms(latencies.at(-1) ?? NaN)}`,
  });
  goal(
    `full sign-in p95 < 500 ms at concurrency ${CONCURRENCY}`,
    latencies.length > 0 && p95 < 500,
    latencies.length ? ms(p95) : 'no successful sign-in',
  );
  goal(
    'full sign-ins complete without errors',
    failures === 0,
    failures ? `${failures} failed, first: ${firstError}` : 'all succeeded',
  );
}

/** (d) Discovery and JWKS: what every relying party fetches. */
async function benchHttp(url: string, label: string, goalRate: number): Promise<void> {
  let count = 0;
  let errors = 0;
  const deadline = performance.now() + HTTP_SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: HTTP_CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const response = await fetch(url);
        await response.arrayBuffer();
        if (response.status === 200) count++;
        else errors++;
      }
    }),
  );
  const rate = count / ((performance.now() - started) / 1000);
  rows.push({
    what: `${label} (${HTTP_CONCURRENCY} concurrent)`,
    value: `${perSecond(rate, 'req')}${errors ? `, ${errors} errors` : ''}`,
  });
  goal(
    `${label} > ${goalRate.toLocaleString('en-US')} req/s`,
    rate > goalRate && errors === 0,
    perSecond(rate, 'req'),
  );
}

function printReport(): void {
  const width = Math.max(...rows.map((r) => r.what.length));
  process.stdout.write(`\nBenchmark on ${cpus().length} CPU(s), Node ${process.version}\n\n`);
  for (const row of rows) process.stdout.write(`  ${row.what.padEnd(width)}  ${row.value}\n`);
  process.stdout.write('\nGoals\n');
  for (const g of goals)
    process.stdout.write(`  ${g.ok ? 'PASS' : 'FAIL'}  ${g.name}: ${g.detail}\n`);
}

async function main(): Promise<number> {
  const scratch = mkdtempSync(join(tmpdir(), 'twofold-bench-'));
  let database: LocalDatabase | undefined;
  let op: RunningServer | undefined;
  try {
    process.stdout.write('Starting database...\n');
    database = await provisionDatabase({
      uri: process.env.MONGODB_URI,
      dataDir: join(scratch, 'db'),
      cacheDir: join(PROJECT_ROOT, '.cache'),
      dbName: `bench_${randomBytes(4).toString('hex')}`,
      log: (message) => process.stdout.write(`${message}\n`),
    });
    // With an external server, write to a throwaway database of our own, never the app's.
    const external = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(database.uri);
    const uri =
      database.kind === 'external' && external
        ? `${external[1]}/bench_${randomBytes(4).toString('hex')}${external[2] ?? ''}`
        : database.uri;
    const port = await freePort();
    const config = loadConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      ISSUER: `http://127.0.0.1:${port}`,
      DATA_DIR: join(scratch, 'data'),
      LOG_LEVEL: 'silent',
      COOKIE_KEYS: randomBytes(24).toString('base64url'),
      TOTP_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
      PRODUCE_REDIRECT_URIS: 'http://127.0.0.1:4001/callback',
      ...(process.env.ARGON2_MEMORY_KIB
        ? { ARGON2_MEMORY_KIB: process.env.ARGON2_MEMORY_KIB }
        : {}),
      ...(process.env.ARGON2_TIME_COST ? { ARGON2_TIME_COST: process.env.ARGON2_TIME_COST } : {}),
    });
    process.stdout.write('Starting provider...\n');
    op = await startServer(config, uri, createLogger('silent'));
    const issuer = config.issuer;
    const params = `m=${config.argon2.memoryCost} KiB, t=${config.argon2.timeCost}, p=${config.argon2.parallelism}`;

    process.stdout.write('(a) TOTP verification...\n');
    benchTotp();
    process.stdout.write('(b) full sign-in round trips...\n');
    await benchSignIn(op, issuer);
    process.stdout.write('(c) argon2id...\n');
    await benchArgon2(op, params);
    process.stdout.write('(d) discovery and JWKS...\n');
    await benchHttp(`${issuer}/.well-known/openid-configuration`, 'discovery', 1000);
    await benchHttp(`${issuer}/jwks`, 'JWKS', 1000);
    printReport();
    return goals.every((g) => g.ok) ? 0 : 1;
  } finally {
    if (database?.kind === 'external')
      await op?.store.connection.db?.dropDatabase().catch(() => {});
    await op?.close();
    await database?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`Benchmark failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(2);
  },
);
