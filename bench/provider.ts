/**
 * The provider under test as a separate process (`node src/main.ts`, production mode, its own
 * throwaway DATA_DIR so it starts its own FerretDB child there), the operator CLI against the
 * same database, and the helper scripts of the bench. Every child is tracked so it can be stopped
 * on any exit path.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../src/store/local-database.ts';
import { request } from './http.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Children started by the bench that may still run (CLI calls, the filler). */
const helpers = new Set<ChildProcess>();

export interface Provider {
  pid: number;
  issuer: string;
  /** Environment shared by the provider, the CLI and the filler (same database). */
  env: NodeJS.ProcessEnv;
  dataDir: string;
  /** Seconds from spawn to the first 200 from discovery. */
  startupSeconds: number;
  /** "local FerretDB/mongod in DATA_DIR" or "MONGODB_URI (database not measured)". */
  database: string;
  /** What the provider logged (pino JSON lines at LOG_LEVEL=warn): counts and the last lines. */
  log: () => { warn: number; error: number; other: number; last: string[] };
  alive: () => boolean;
  stop: () => Promise<void>;
}

function benchDatabaseUri(uri: string): string {
  // With an external server, use a database of our own, never the application's.
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]+)(?:\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!m) throw new Error('MONGODB_URI is not a mongodb:// URI');
  return `${m[1]}/twofold_bench_${randomBytes(4).toString('hex')}${m[2] ?? ''}`;
}

export async function startProvider(): Promise<Provider> {
  const dataDir = mkdtempSync(join(tmpdir(), 'twofold-bench-'));
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const external = process.env.MONGODB_URI;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    NODE_ENV: 'production',
    DATA_DIR: dataDir,
    CACHE_DIR: join(ROOT, '.cache'),
    HOST: '127.0.0.1',
    PORT: String(port),
    ISSUER: issuer,
    COOKIE_KEYS: randomBytes(24).toString('base64url'),
    TOTP_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    LOG_LEVEL: 'warn',
    ARGON2_MEMORY_KIB: process.env.ARGON2_MEMORY_KIB,
    ARGON2_TIME_COST: process.env.ARGON2_TIME_COST,
    ARGON2_PARALLELISM: process.env.ARGON2_PARALLELISM,
    ...(external ? { MONGODB_URI: benchDatabaseUri(external) } : {}),
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];

  const started = performance.now();
  // Own process group, so Ctrl-C in the terminal does not reach it before the bench stops it,
  // and a last-resort SIGKILL of the group also takes its database child.
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not spawn the provider');
  const lines: string[] = [];
  const levels = { warn: 0, error: 0, other: 0 };
  /** A line collector for one stream (stdout and stderr each keep their own partial line). */
  const keep = () => {
    let partial = '';
    return (chunk: Buffer) => {
      const complete = (partial + chunk.toString()).split('\n');
      partial = complete.pop() ?? '';
      collect(complete);
    };
  };
  const collect = (complete: string[]) => {
    for (const line of complete) {
      if (!line.trim()) continue;
      const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? NaN);
      if (level >= 50) levels.error++;
      else if (level >= 40) levels.warn++;
      else levels.other++;
      lines.push(line.slice(0, 500));
      if (lines.length > 50) lines.shift();
    }
  };
  child.stdout.on('data', keep());
  child.stderr.on('data', keep());
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, sleep(10_000)]);
      }
      try {
        process.kill(-pid, 'SIGKILL'); // whatever is left of its group (its database child)
      } catch {
        // the group is gone: the provider stopped its database itself
      }
      rmSync(dataDir, { recursive: true, force: true });
    })());
  cleanups.add(stop);

  try {
    const deadline = performance.now() + 90_000; // a first FerretDB build could take this long
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`the provider exited during start-up:\n${lines.join('\n')}`);
      const ok = await request('GET', `${issuer}/.well-known/openid-configuration`).then(
        (res) => res.status === 200,
        () => false,
      );
      if (ok) break;
      if (performance.now() > deadline)
        throw new Error(`no 200 from discovery within 90 s:\n${lines.join('\n')}`);
      await sleep(50);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    pid,
    issuer,
    env,
    dataDir,
    startupSeconds: (performance.now() - started) / 1000,
    database: external
      ? 'MONGODB_URI, a throwaway database (its CPU and RSS are not in the figures)'
      : 'local, started by the provider in its DATA_DIR (in the figures)',
    log: () => ({ ...levels, last: lines.slice(-10) }),
    alive: () => child.exitCode === null && child.signalCode === null,
    stop,
  };
}

/** Runs a bench helper or the CLI (`node <script> args`) with the provider's environment. */
export function runNode(
  provider: Provider,
  script: string,
  args: string[],
  options: { timeoutMs?: number; onStderr?: (text: string) => void } = {},
): Promise<string> {
  // V8's compile cache (in the throwaway folder) spares the 2nd..200th CLI start most of its
  // module compilation; it changes nothing in what the CLI does.
  const env = { ...provider.env, NODE_COMPILE_CACHE: join(provider.dataDir, 'compile-cache') };
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [script, ...args],
      {
        cwd: ROOT,
        env,
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        helpers.delete(child);
        if (error)
          reject(
            new Error(`${script} ${args[0] ?? ''} failed: ${summary(stderr) || error.message}`),
          );
        else resolve(stdout);
      },
    );
    helpers.add(child);
    if (options.onStderr)
      child.stderr?.on('data', (chunk: Buffer) => options.onStderr?.(chunk.toString()));
  });
}

/** The line of a failed child's stderr that says what went wrong (not its stack trace). */
function summary(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim());
  const error = lines.find((l) => /^(\w*Error\b|fill failed)/.test(l));
  return (error ?? lines.filter(Boolean).at(-1) ?? '').slice(0, 400);
}

export const cli = (provider: Provider, args: string[]) =>
  runNode(provider, 'src/cli/main.ts', args, { timeoutMs: 60_000 });

/** Things to undo on any exit: stopping the provider (and its temp folder). */
const cleanups = new Set<() => Promise<void>>();

export async function cleanUp(): Promise<void> {
  for (const child of helpers) child.kill('SIGTERM');
  await Promise.allSettled([...cleanups].map((fn) => fn()));
}
