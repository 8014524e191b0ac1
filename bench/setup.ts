/**
 * The bench's set-up around the provider: the state of the checkout being measured, the bench
 * users (operator CLI, then 2FA through Profile), and the filler for scale mode (bench/fill.ts).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { enrollTwoFactor } from './enroll.ts';
import { log } from './log.ts';
import type { Options } from './options.ts';
import { cli, ROOT, runNode, type Provider } from './provider.ts';
import { BenchUser } from './totp.ts';

/** Which commit is measured, and which files of the provider differ from it (read-only git). */
export function gitState(): { commit: string; uncommitted: string[] } {
  const git = (args: string[]) =>
    execFileSync('git', ['--no-optional-locks', '-C', ROOT, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trimEnd();
  try {
    return {
      commit: git(['rev-parse', '--short', 'HEAD']),
      uncommitted: git(['status', '--porcelain', '--', 'src', 'views', 'config', 'package.json'])
        .split('\n')
        .filter(Boolean),
    };
  } catch {
    return { commit: 'unknown', uncommitted: [] };
  }
}

/**
 * The bench users, each with 2FA turned on through Profile. Created by the operator CLI (one
 * `user:create` per user, pipelined with the enrollments, `setupConcurrency` at a time), or with
 * BENCH_USER_SETUP=store all at once through the project's store before the enrollments.
 */
export async function setUpUsers(provider: Provider, options: Options) {
  const started = performance.now();
  const password = `Bench-${randomBytes(12).toString('base64url')}`;
  const prefix = `bench-${randomBytes(3).toString('hex')}`;
  const ready: BenchUser[] = [];
  const errors: string[] = [];
  const wall = { create: 0, enroll: 0 };
  let retries = 0;
  const viaStore = options.userSetup === 'store';
  if (viaStore) {
    const t = performance.now();
    await fill(provider, [
      ...['--add', String(options.users), '--password', password, '--email-prefix', prefix],
    ]);
    wall.create = performance.now() - t;
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: options.setupConcurrency }, async () => {
      while (next < options.users && errors.length <= 10) {
        const i = next++;
        const address =
          options.clientAddresses === 'per-user'
            ? `127.77.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`
            : undefined;
        const user = new BenchUser(`${prefix}-${i}@bench.test`, password, address);
        try {
          let t = performance.now();
          if (!viaStore) retries += await createWithCli(provider, user);
          wall.create += viaStore ? 0 : performance.now() - t;
          t = performance.now();
          await enrollTwoFactor(provider.issuer, user);
          wall.enroll += performance.now() - t;
          ready.push(user);
          if (ready.length % 50 === 0) log(`  ${ready.length}/${options.users} users with 2FA on`);
        } catch (error) {
          errors.push(`${user.email}: ${(error as Error).message}`);
          log(`  set-up of ${user.email} failed: ${(error as Error).message}`);
        }
      }
    }),
  );
  if (errors.length > 10) throw new Error(`user set-up failed ${errors.length} times; stopping`);
  if (!ready.length) throw new Error('no bench user could be set up');
  const seconds = (performance.now() - started) / 1000;
  const each = (ms: number) => (ms / 1000 / Math.max(1, ready.length)).toFixed(2);
  const how = viaStore
    ? `through the store in ${(wall.create / 1000).toFixed(1)} s`
    : `by the CLI, ${each(wall.create)} s each`;
  if (retries) log(`  ${retries} user:create calls needed a retry`);
  log(
    `${ready.length} users created ${how} and enrolled through Profile (${each(wall.enroll)} s ` +
      `each), ${options.setupConcurrency} at a time: ${seconds.toFixed(0)} s in all`,
  );
  return {
    users: ready,
    failures: errors,
    seconds,
    createdBy: viaStore ? 'store (bench/fill.ts)' : 'CLI user:create',
    createSeconds: wall.create / 1000,
    cliRetries: retries,
    enrollSecondsEach: wall.enroll / 1000 / Math.max(1, ready.length),
  };
}

/**
 * `user:create` for one bench user; a failed call is tried once more after 2 s (the provider's
 * source may be mid-edit). Returns the number of retries it took.
 */
async function createWithCli(provider: Provider, user: BenchUser): Promise<number> {
  const args = ['user:create', '--email', user.email, '--password', user.password];
  try {
    await cli(provider, args);
    return 0;
  } catch (error) {
    log(`  user:create ${user.email} failed, retrying once: ${(error as Error).message}`);
    await sleep(2000);
    try {
      await cli(provider, args);
    } catch (again) {
      // The first call may have created the user before it failed.
      if (!/already exists/.test((again as Error).message)) throw again;
    }
    return 1;
  }
}

export interface FillReport {
  users: { before: number; after: number };
  browsers: { before: number; after: number };
  seconds: number;
  collections: Record<string, number>;
}

/** Runs bench/fill.ts against the provider's database; retries when src/ is mid-edit. */
export async function fill(provider: Provider, args: string[]): Promise<FillReport> {
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await runNode(provider, 'bench/fill.ts', args, {
        timeoutMs: 3 * 3600_000,
        onStderr: (text) => process.stderr.write(text),
      });
      const last = out.trim().split('\n').at(-1) ?? '';
      return JSON.parse(last) as FillReport;
    } catch (error) {
      if (attempt >= 3) throw error;
      log(`filler failed (${(error as Error).message.slice(0, 300)}); retrying in 20 s`);
      await sleep(20_000);
    }
  }
}
