import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/config.ts';
import { freePort, provisionDatabase, type LocalDatabase } from '../../src/store/local-database.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import { authorizationRequest, discoverRp, open, type TestRp } from '../support/relying-party.ts';

/** Environment for `node src/main.ts` as a separate process. */
function providerEnv(port: number, mongodbUri: string, dataDir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    ISSUER: `http://127.0.0.1:${port}`,
    MONGODB_URI: mongodbUri,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    DB_CONNECT_TIMEOUT_MS: '2000',
    COOKIE_KEYS: randomBytes(24).toString('base64url'),
    TOTP_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    PRODUCE_REDIRECT_URIS: 'http://127.0.0.1:4001/callback',
    MANAGE_REDIRECT_URIS: 'http://127.0.0.1:4002/callback',
  };
}

interface Child {
  process: ChildProcess;
  stderr(): string;
  exited: Promise<{ code: number | null; signal: string | null }>;
}

function startProvider(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['src/main.ts'], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { process: child, stderr: () => stderr, exited };
}

async function stopProvider(child: Child | undefined): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 5000);
  await child.exited;
  clearTimeout(timer);
}

/** Polls `check` every 200 ms until it returns true or `timeoutMs` passes. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('database outage: fail fast at start-up', () => {
  it('exits non-zero within seconds with a message naming MongoDB when the database is unreachable', async () => {
    const closedPort = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'twofold-outage-'));
    const started = Date.now();
    const child = startProvider(
      providerEnv(await freePort(), `mongodb://127.0.0.1:${closedPort}/x`, dataDir),
    );
    const timer = setTimeout(() => child.process.kill('SIGKILL'), 20_000);
    const { code, signal } = await child.exited;
    clearTimeout(timer);
    const elapsed = Date.now() - started;
    rmSync(dataDir, { recursive: true, force: true });
    expect(signal).toBeNull();
    expect(code).not.toBe(0);
    expect(elapsed).toBeLessThan(10_000);
    expect(child.stderr()).toMatch(
      /Start-up failed: Cannot reach MongoDB at mongodb:\/\/127\.0\.0\.1:\d+\/x/,
    );
    expect(child.stderr()).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});

describe('database outage at run time: 503 pages, then recovery', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'twofold-outage-db-'));
  const providerData = mkdtempSync(join(tmpdir(), 'twofold-outage-data-'));
  let dbPort: number;
  let database: LocalDatabase | undefined;
  let provider: Child | undefined;
  let issuer: string;
  let produce: TestRp;

  const provision = () =>
    provisionDatabase({
      uri: undefined,
      dataDir,
      cacheDir: join(PROJECT_ROOT, '.cache'),
      dbName: 'outage',
      log: () => {},
      port: dbPort,
    });

  const readyz = async () => (await fetch(`${issuer}/readyz`)).status;

  beforeAll(async () => {
    dbPort = await freePort();
    database = await provision();
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    provider = startProvider(providerEnv(port, database.uri, providerData));
    await eventually(async () => (await readyz()) === 200, 20_000).catch(() => {
      throw new Error(`provider did not start: ${provider?.stderr()}`);
    });
    produce = await discoverRp(issuer);
  });

  afterAll(async () => {
    await stopProvider(provider);
    await database?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(providerData, { recursive: true, force: true });
  });

  it('answers 503 while the database is down and recovers when it is back', async () => {
    // An interaction started while the database is up, to visit its login page during the outage.
    const browser = new HttpBrowser();
    const before = await open(browser, produce, (await authorizationRequest(produce)).url);
    expect(before.status).toBe(200);
    expect(before.html).toContain('name="password"');

    await database?.stop();
    database = undefined;

    // Readiness follows the database; liveness (/healthz) is about the process only.
    const ready = await fetch(`${issuer}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toEqual({ status: 'unavailable' });
    expect((await fetch(`${issuer}/healthz`)).status).toBe(200);

    const login = await browser.get(before.url);
    expect(login.status).toBe(503);
    expect(await login.text()).toContain('cannot reach its database');

    const submitted = await browser.post(`${before.url}/login`, {
      email: 'nobody@example.com',
      password: 'whatever-long-enough',
      csrf: /name="csrf" value="([^"]+)"/.exec(before.html)?.[1] ?? '',
    });
    expect(submitted.status).toBe(503);

    // The token endpoint (JSON) says "try again", not "server error".
    const token = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from('produce:produce-dev-secret').toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'not-a-real-code',
        redirect_uri: 'http://127.0.0.1:4001/callback',
        code_verifier: 'v'.repeat(43),
      }),
    });
    expect(token.status).toBe(503);
    expect(token.headers.get('retry-after')).toBe('5');
    expect(((await token.json()) as { error?: string }).error).toBe('temporarily_unavailable');

    // The provider's own endpoint (/auth) loads the client from the database.
    const auth = await new HttpBrowser().get((await authorizationRequest(produce)).url);
    expect(auth.status).toBe(503);
    expect(await auth.text()).toContain('cannot reach its database');

    expect(provider?.process.exitCode).toBeNull();
    expect(provider?.process.signalCode).toBeNull();

    database = await provision();
    const recoveredAfter = await eventually(async () => (await readyz()) === 200, 15_000);
    expect(recoveredAfter).toBeLessThan(15_000);

    const again = await open(new HttpBrowser(), produce, (await authorizationRequest(produce)).url);
    expect(again.status).toBe(200);
    expect(again.html).toContain('name="password"');
    expect(provider?.process.exitCode).toBeNull();
  });
});
