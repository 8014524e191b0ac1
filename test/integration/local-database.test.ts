import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { PROJECT_ROOT } from '../../src/config.ts';
import { FERRETDB_VERSION, freePort } from '../../src/store/local-database.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import { authorizationRequest, discoverRp, open } from '../support/relying-party.ts';

/**
 * The local database as `npm start` runs it: `node src/main.ts` as a separate process with no
 * MONGODB_URI, so it starts and supervises its own FerretDB (or mongod) in its DATA_DIR. Real
 * processes and signals; every process a test starts is stopped in afterEach, also when an
 * assertion fails.
 */

const scratch = mkdtempSync(join(tmpdir(), 'twofold-localdb-'));
const ferretdbBinary = join(PROJECT_ROOT, '.cache', `ferretdb-${FERRETDB_VERSION}`, 'ferretdb');
/** Where the provider picks FerretDB (no `mongod` on PATH) and we know its binary. */
const itWithFerretdb =
  existsSync(ferretdbBinary) &&
  !(process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, 'mongod')))
    ? it
    : it.skip;
const providers = new Set<Provider>();
const serverPids = new Set<number>();

interface Provider {
  process: ChildProcess;
  url: string;
  dataDir: string;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

const keys = new Map<string, { COOKIE_KEYS: string; TOTP_ENCRYPTION_KEYS: string }>();

/** Random keys per data folder: a provider restarted on the same data must read its own secrets. */
function keysFor(dataDir: string) {
  const existing = keys.get(dataDir);
  if (existing) return existing;
  const created = {
    COOKIE_KEYS: randomBytes(24).toString('base64url'),
    TOTP_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  };
  keys.set(dataDir, created);
  return created;
}

function providerEnv(port: number, dataDir: string, extra: Record<string, string>) {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    ISSUER: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    ...keysFor(dataDir),
    PRODUCE_REDIRECT_URIS: 'http://127.0.0.1:4001/callback',
    MANAGE_REDIRECT_URIS: 'http://127.0.0.1:4002/callback',
    ...extra,
  };
}

async function startProvider(dataDir: string, extra: Record<string, string> = {}) {
  const port = await freePort();
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: PROJECT_ROOT,
    env: providerEnv(port, dataDir, extra),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const provider: Provider = {
    process: child,
    url: `http://127.0.0.1:${port}`,
    dataDir,
    stderr: () => stderr,
    exited,
  };
  providers.add(provider);
  return provider;
}

/** A provider that answers `/readyz` with 200, its database server's pid recorded. */
async function readyProvider(dataDir: string, extra: Record<string, string> = {}) {
  const provider = await startProvider(dataDir, extra);
  await eventually(() => isReady(provider), 30_000).catch(() => {
    throw new Error(`provider did not become ready: ${provider.stderr()}`);
  });
  serverPids.add(serverPid(dataDir));
  return provider;
}

async function isReady(provider: Provider): Promise<boolean> {
  if (provider.process.exitCode !== null) throw new Error(`exited: ${provider.stderr()}`);
  return (await get(`${provider.url}/readyz`)).status === 200;
}

function get(url: string): Promise<Response> {
  return fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(20_000) });
}

/** GET `url`, with how long the answer took. */
async function timed(request: () => Promise<Response>) {
  const started = performance.now();
  const response = await request();
  const text = await response.text();
  return { status: response.status, text, ms: performance.now() - started };
}

/** Polls `check` every 100 ms until it is true; returns how long that took. */
async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const started = Date.now();
  for (;;) {
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The pid of the database server the provider in `dataDir` runs now. */
function serverPid(dataDir: string): number {
  for (const kind of ['ferretdb', 'mongod']) {
    try {
      return Number.parseInt(readFileSync(join(dataDir, 'db', `${kind}.pid`), 'utf8'), 10);
    } catch {
      // try the other kind
    }
  }
  throw new Error(`no database server pid file in ${dataDir}/db`);
}

/** Process state from /proc (a zombie has exited; only its parent has not collected it yet). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).charAt(0) !== 'Z';
  } catch {
    return false;
  }
}

/** Live database servers (FerretDB or mongod) whose command line names a folder under `dir`. */
function serversUsing(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        return (
          ['ferretdb', 'mongod'].includes(basename(argv[0] ?? '')) &&
          argv.some((arg) => arg.includes(dir)) &&
          isRunning(pid)
        );
      } catch {
        return false;
      }
    });
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

afterEach(async () => {
  for (const pid of serverPids) signal(pid, 'SIGCONT');
  serverPids.clear();
  for (const provider of providers) {
    if (provider.process.exitCode === null && provider.process.signalCode === null) {
      provider.process.kill('SIGKILL');
      await provider.exited;
    }
  }
  providers.clear();
  // Safety net: nothing of ours survives a failed test (the provider's death should suffice).
  for (const pid of serversUsing(scratch)) {
    signal(pid, 'SIGCONT');
    signal(pid, 'SIGKILL');
  }
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('local database: tied to the provider', () => {
  it('dies with a provider killed by SIGKILL; the next start takes over the stale lock', async () => {
    const dataDir = mkdtempSync(join(scratch, 'kill-'));
    const first = await readyProvider(dataDir);
    const server = serverPid(dataDir);
    expect(isRunning(server)).toBe(true);
    expect(serversUsing(dataDir)).toEqual([server]);

    first.process.kill('SIGKILL');
    await first.exited;
    await eventually(() => !isRunning(server) && serversUsing(dataDir).length === 0, 5000);

    const second = await readyProvider(dataDir);
    expect(serversUsing(dataDir)).toEqual([serverPid(dataDir)]);
    second.process.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(serversUsing(dataDir)).toEqual([]);
    expect(readdirSync(join(dataDir, 'db')).sort()).toEqual(['ferretdb']); // lock, pid, endpoint gone
  });

  itWithFerretdb('keeps its files private: folders 0700, files 0600', async () => {
    const dataDir = mkdtempSync(join(scratch, 'modes-'));
    await readyProvider(dataDir);
    const db = join(dataDir, 'db');
    expect(mode(db)).toBe('700');
    for (const file of ['twofold.lock', 'endpoint.json', 'ferretdb.pid']) {
      expect([file, mode(join(db, file))]).toEqual([file, '600']);
    }
    const sqliteDir = join(db, 'ferretdb');
    expect(mode(sqliteDir)).toBe('700');
    const files = readdirSync(sqliteDir);
    expect(files.some((file) => file.endsWith('.sqlite'))).toBe(true);
    for (const file of files) expect([file, mode(join(sqliteDir, file))]).toEqual([file, '600']);
  });

  it('restarts a FerretDB killed with SIGKILL; /readyz is 200 again within seconds', async () => {
    const dataDir = mkdtempSync(join(scratch, 'restart-'));
    const provider = await readyProvider(dataDir);
    const produce = await discoverRp(provider.url);
    const before = serverPid(dataDir);

    signal(before, 'SIGKILL');
    await eventually(() => !isRunning(before), 5000);
    const recoveredAfter = await eventually(() => isReady(provider), 10_000);
    expect(recoveredAfter).toBeLessThan(5000);

    const after = serverPid(dataDir);
    serverPids.add(after);
    expect(after).not.toBe(before);
    expect(serversUsing(dataDir)).toEqual([after]);
    const page = await open(new HttpBrowser(), produce, (await authorizationRequest(produce)).url);
    expect(page.status).toBe(200);
    expect(page.html).toContain('name="password"');
    expect(provider.process.exitCode).toBeNull();
  });
});

describe('local database: one owner per data folder', () => {
  itWithFerretdb('kills a FerretDB left running on its files before starting its own', async () => {
    const dataDir = mkdtempSync(join(scratch, 'leftover-'));
    const sqliteDir = join(dataDir, 'db', 'ferretdb');
    mkdirSync(sqliteDir, { recursive: true });
    const leftover = spawn(
      ferretdbBinary,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${sqliteDir}/`,
        `--state-dir=${sqliteDir}`,
        `--listen-addr=127.0.0.1:${await freePort()}`,
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=error',
      ],
      { stdio: 'ignore' },
    );
    const pid = leftover.pid ?? 0;
    serverPids.add(pid);
    await eventually(() => serversUsing(dataDir).includes(pid), 5000);

    await readyProvider(dataDir);
    expect(isRunning(pid)).toBe(false);
    expect(serversUsing(dataDir)).toEqual([serverPid(dataDir)]);
  });

  it('refuses a second provider on the same DATA_DIR; the CLI uses the running server', async () => {
    const dataDir = mkdtempSync(join(scratch, 'lock-'));
    const first = await readyProvider(dataDir);

    const second = await startProvider(dataDir);
    const { code } = await second.exited;
    expect(code).not.toBe(0);
    expect(second.stderr()).toContain(
      `another Twofold process (pid ${first.process.pid}) is using the local database in ${join(dataDir, 'db')}; stop it first or set MONGODB_URI`,
    );
    expect(second.stderr()).not.toMatch(/\n\s+at /); // a message, not a stack trace
    expect(serversUsing(dataDir)).toEqual([serverPid(dataDir)]);
    expect(await isReady(first)).toBe(true);

    const cli = spawn(process.execPath, ['src/cli/main.ts', 'role:list'], {
      cwd: PROJECT_ROOT,
      env: providerEnv(0, dataDir, { LOG_LEVEL: 'silent' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    cli.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    cli.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => cli.kill('SIGKILL'), 30_000);
    const cliCode = await new Promise<number | null>((resolve) => cli.once('close', resolve));
    clearTimeout(timer);
    expect([cliCode, output]).toEqual([0, expect.stringContaining('admin')]);
    expect(serversUsing(dataDir)).toEqual([serverPid(dataDir)]);
  });
});

describe('local database: a stalled server', () => {
  const deadline = 1500;

  it('answers 503 within the deadline while FerretDB is stopped, /healthz stays 200, and recovers', async () => {
    const dataDir = mkdtempSync(join(scratch, 'stall-'));
    const provider = await readyProvider(dataDir, { DB_OPERATION_TIMEOUT_MS: String(deadline) });
    const produce = await discoverRp(provider.url);
    const browser = new HttpBrowser();
    const before = await open(browser, produce, (await authorizationRequest(produce)).url);
    expect(before.status).toBe(200);
    const server = serverPid(dataDir);

    signal(server, 'SIGSTOP');
    const health = await timed(() => get(`${provider.url}/healthz`));
    expect(health.status).toBe(200);
    expect(health.ms).toBeLessThan(500);

    const ready = await timed(() => get(`${provider.url}/readyz`));
    expect([ready.status, JSON.parse(ready.text)]).toEqual([503, { status: 'unavailable' }]);
    expect(ready.ms).toBeLessThan(2000);

    // Our page for the interaction started above: one database call, one deadline.
    const login = await timed(() => browser.get(before.url));
    expect(login.status).toBe(503);
    expect(login.text).toContain('cannot reach its database');
    expect(login.ms).toBeLessThan(deadline + 2000);

    // The provider's /auth loads the client; when that fails, node-oidc-provider's error handler
    // (authorization_error_handler.js) looks the client up once more: two deadlines.
    const url = (await authorizationRequest(produce)).url;
    const auth = await timed(() => new HttpBrowser().get(url));
    expect(auth.status).toBe(503);
    expect(auth.text).toContain('cannot reach its database');
    expect(auth.ms).toBeLessThan(2 * deadline + 2000);

    expect((await timed(() => get(`${provider.url}/healthz`))).ms).toBeLessThan(500);
    expect(provider.process.exitCode).toBeNull();
    expect(serverPid(dataDir)).toBe(server); // stalled, not restarted

    signal(server, 'SIGCONT');
    expect(await eventually(() => isReady(provider), 10_000)).toBeLessThan(5000);
    const again = await open(new HttpBrowser(), produce, (await authorizationRequest(produce)).url);
    expect(again.status).toBe(200);
    expect(again.html).toContain('name="password"');
    expect((await browser.get(before.url)).status).toBe(200);
  });
});
