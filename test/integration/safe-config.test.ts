import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { ConfigError, loadConfig, PROJECT_ROOT } from '../../src/config.ts';
import { outboxFolderTransport } from '../../src/services/notifications/outbox-folder.ts';
import { freePort } from '../../src/store/local-database.ts';
import { openConsoleWithCode, createUserWithRoles, giveTwoFactor } from '../support/admin-pages.ts';
import { startTestProvider, testEnv, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';

/** Owner/group/other permission bits of a path, e.g. "600". */
function mode(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

/** Runs `node src/main.ts` with exactly `env` and returns its exit code and stderr. */
function runMain(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/main.ts'], {
      cwd: PROJECT_ROOT,
      env: { ...env, PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

/**
 * A browser behind a TLS-terminating proxy: it asks for `https://…` URLs of the issuer, and the
 * "proxy" forwards them over plain http with `X-Forwarded-Proto: https`. Every Set-Cookie line
 * the provider sent is kept whole, to check its attributes.
 */
class ProxiedBrowser extends HttpBrowser {
  readonly setCookies: string[] = [];
  private readonly publicOrigin: string;
  private readonly upstream: string;

  constructor(publicOrigin: string, upstream: string) {
    super();
    this.publicOrigin = publicOrigin;
    this.upstream = upstream;
  }

  override async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-proto', 'https');
    const response = await super.request(url.replace(this.publicOrigin, this.upstream), {
      ...init,
      headers,
    });
    this.setCookies.push(...response.headers.getSetCookie());
    return response;
  }

  /** The Set-Cookie lines that set (not cleared) the cookie `name`. */
  linesFor(name: string): string[] {
    return this.setCookies.filter((line) => line.startsWith(`${name}=`) && !/=;/.test(line));
  }
}

describe('Safe configuration', () => {
  it('refuses an https ISSUER without TRUST_PROXY, naming both variables', () => {
    const env = testEnv(3000, { ISSUER: 'https://id.example.com' });
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(/ISSUER is https:\/\/ but TRUST_PROXY is not true/);
    expect(() => loadConfig({ ...env, TRUST_PROXY: 'false' })).toThrow(/TRUST_PROXY=true/);
    expect(loadConfig({ ...env, TRUST_PROXY: 'true' }).secureCookies).toBe(true);
    expect(loadConfig(testEnv(3000)).secureCookies).toBe(false);
  });

  it('fails at start-up with that message instead of answering 500s', async () => {
    const env = testEnv(await freePort(), { ISSUER: 'https://id.example.com' });
    const result = await runMain(env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ISSUER is https:// but TRUST_PROXY is not true');
    expect(result.stderr).not.toContain('    at '); // a message, not a stack trace
  });

  it('makes every lifetime configurable, with the previous defaults', () => {
    expect(loadConfig(testEnv(3000)).ttl).toEqual({
      idToken: 3600,
      accessToken: 3600,
      authorizationCode: 60,
      interaction: 1800,
      grant: 14 * 86400,
      adminApiAccessToken: 600,
    });
    const custom = loadConfig(
      testEnv(3000, {
        ID_TOKEN_TTL_SECONDS: '300',
        ACCESS_TOKEN_TTL_SECONDS: '900',
        AUTHORIZATION_CODE_TTL_SECONDS: '30',
        INTERACTION_TTL_MINUTES: '10',
        REFRESH_TOKEN_TTL_DAYS: '30',
        ADMIN_API_TOKEN_TTL_SECONDS: '120',
      }),
    );
    expect(custom.ttl).toEqual({
      idToken: 300,
      accessToken: 900,
      authorizationCode: 30,
      interaction: 600,
      grant: 30 * 86400,
      adminApiAccessToken: 120,
    });
    // RFC 6749 section 4.1.2: an authorization code lives 10 minutes at most.
    expect(() => loadConfig(testEnv(3000, { AUTHORIZATION_CODE_TTL_SECONDS: '601' }))).toThrow(
      /AUTHORIZATION_CODE_TTL_SECONDS/,
    );
  });

  it('creates the development secrets 0600 in a 0700 folder', () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'twofold-modes-')), 'data');
    const env = testEnv(3000, { DATA_DIR: dataDir, NODE_ENV: 'development' });
    delete env.COOKIE_KEYS;
    delete env.TOTP_ENCRYPTION_KEYS;
    loadConfig(env);
    expect(mode(dataDir)).toBe('700');
    expect(mode(join(dataDir, 'dev-secrets.json'))).toBe('600');
  });

  it('writes outbox messages 0600 in a 0700 folder, also one that existed readable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'twofold-outbox-'));
    expect(mode(dir)).toBe('700');
    chmodSync(dir, 0o755);
    const transport = outboxFolderTransport(dir, 'no-reply@localhost', pino({ level: 'silent' }));
    await transport.send({
      id: 'm1',
      to: 'someone@example.com',
      subject: 'Two-factor authentication was turned on',
      text: 'Hello',
      createdAt: new Date(),
      attempts: 0,
    });
    expect(mode(dir)).toBe('700');
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(mode(join(dir, files[0] ?? ''))).toBe('600');
  });

  describe('with an https issuer behind a proxy (TRUST_PROXY)', () => {
    let op: TestProvider;
    let publicOrigin: string;

    beforeAll(async () => {
      const port = await freePort();
      publicOrigin = `https://127.0.0.1:${port}`;
      op = await startTestProvider({
        port,
        env: { ISSUER: publicOrigin, TRUST_PROXY: 'true' },
      });
    });
    afterAll(async () => op?.close());

    it('signs in to the admin pages with __Host- session cookies and __Secure- path cookies', async () => {
      const admin = await op.store.roles.create({ name: 'ops', admin: true, enforce2fa: false });
      const boss = await createUserWithRoles(op, 'boss@example.com', [admin.id]);
      const secret = await giveTwoFactor(op, boss.id);
      const browser = new ProxiedBrowser(publicOrigin, op.url);
      const page = await openConsoleWithCode(browser, `${publicOrigin}/admin`, boss, secret);
      expect(page.status).toBe(200);
      expect(page.url).toBe(`${publicOrigin}/admin`);
      expect(browser.setCookies.some((line) => /^\s*$/.test(line))).toBe(false);

      // __Host-: Secure, Path=/, no Domain (RFC 6265bis section 4.1.3.2).
      for (const name of [
        '__Host-console_auth',
        '__Host-console_session',
        '__Host-session',
        '__Host-csrf',
      ]) {
        const lines = browser.linesFor(name);
        expect([name, lines.length > 0]).toEqual([name, true]);
        for (const line of lines) {
          expect([name, /;\s*secure/i.test(line), /;\s*path=\/(;|$)/i.test(line)]).toEqual([
            name,
            true,
            true,
          ]);
          expect(line).not.toMatch(/;\s*domain=/i);
        }
      }
      // Path-scoped cookies of the provider's sign-in pages can only be __Secure-.
      for (const name of ['__Secure-interaction', '__Secure-interaction_resume']) {
        const lines = browser.linesFor(name);
        expect([name, lines.length > 0]).toEqual([name, true]);
        for (const line of lines) expect(line).toMatch(/;\s*secure/i);
      }
      // No cookie of ours is set without a prefix or without Secure on https.
      for (const line of browser.setCookies) {
        expect(line).toMatch(/^__(Host|Secure)-/);
        expect(line).toMatch(/;\s*secure/i);
      }
    });
  });
});
