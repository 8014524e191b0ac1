import { afterEach, describe, expect, it } from '@jest/globals';
import { createHmac, randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { parseKeyRing } from '../../src/domain/secret-box.ts';
import { loadSigningKeys } from '../../src/oidc/keys.ts';
import { PUBLISH_BEFORE_SIGNING_MS } from '../../src/oidc/signing-key-states.ts';
import { runCli } from '../support/cli.ts';
import { openConsole, postForm } from '../support/console.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  authorizationRequest,
  discoverRp,
  open,
  redeem,
  signInWithPassword,
  submit,
} from '../support/relying-party.ts';
import {
  Authenticator,
  claimsAt,
  createUserWithTwoFactor,
  isOtpPage,
  post,
  recoveryCodesFromPage,
  secretFromPage,
} from '../support/two-factor.ts';

const cookieKey = () => randomBytes(24).toString('base64url');
const ringKey = () => randomBytes(32).toString('base64');

/** The CLI's environment: the provider's settings, its database, no listener. */
function cliEnv(op: TestProvider, overrides: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {
    ...op.env,
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    MONGODB_URI: op.mongodbUri,
    ...overrides,
  };
  delete env.PORT;
  delete env.HOST;
  return env;
}

async function jwks(op: TestProvider): Promise<JSONWebKeySet> {
  return (await (await fetch(`${op.config.issuer}/jwks`)).json()) as JSONWebKeySet;
}

/**
 * Issue 11, item 3: every key can be rotated while users keep working. Each test restarts the
 * provider on the same database and port with the rotated keys, as an operator does.
 */
describe('key rotation without downtime', () => {
  let op: TestProvider | undefined;
  afterEach(async () => {
    await op?.close();
    op = undefined;
  });

  /** Stops the provider and starts it again on the same database and port with `env` changes. */
  async function restart(current: TestProvider, env: Record<string, string>) {
    const { mongodbUri } = current;
    const port = current.config.port;
    await current.close();
    op = undefined;
    op = await startTestProvider({ env: { ...current.env, ...env }, mongodbUri, port });
    return op;
  }

  it('a form and the cookies issued before a cookie-key rotation keep working after it', async () => {
    const oldKey = cookieKey();
    const newKey = cookieKey();
    const current = (op = await startTestProvider({ env: { COOKIE_KEYS: oldKey } }));
    const user = await createUser(current, { email: 'cookies@example.com' });
    const produce = await discoverRp(current.config.issuer);

    // Before: one browser is signed in to Profile and has the "turn on 2FA" form open (signed
    // console and enrollment cookies, SSO session); another has the sign-in form open.
    const signedIn = new HttpBrowser();
    const enablePage = await openConsole(signedIn, `${current.url}/account/2fa/enable`, user);
    expect(enablePage.url).toMatch(/\/account\/2fa\/enable$/);
    const app = new Authenticator(secretFromPage(enablePage.html), current.config.totp.window);
    const visitor = new HttpBrowser();
    const pending = await authorizationRequest(produce);
    const loginPage = await open(visitor, produce, pending.url);
    expect(loginPage.html).toContain('name="password"');

    await restart(current, { COOKIE_KEYS: `${newKey},${oldKey}` });

    // The sign-in form rendered before the rotation submits (its CSRF token and the provider's
    // interaction cookie were signed with the old key).
    const after = await submit(visitor, produce, loginPage, '/login', {
      email: user.email,
      password: user.password,
    });
    expect(after.status).not.toBe(403);
    expect(atCallback(produce, after)).toBe(true);
    expect((await claimsAt(produce, after, pending)).sub).toBe(user.id);

    // The SSO session cookie from before the rotation still signs the browser in.
    const sso = await authorizationRequest(produce);
    const step = await open(signedIn, produce, sso.url);
    expect(step.html).not.toContain('name="password"');
    expect(atCallback(produce, step)).toBe(true);

    // The Profile session is still signed in and the open form still turns 2FA on.
    const done = await postForm(signedIn, enablePage, '/account/2fa/enable', {
      code: await app.next(),
    });
    expect(done.status).toBe(200);
    expect(recoveryCodesFromPage(done.html)).toHaveLength(10);

    // New forms are signed with the new (first) key.
    const fresh = new HttpBrowser();
    const page = await open(fresh, produce, (await authorizationRequest(produce)).url);
    const token = /name="csrf" value="([^"]+)"/.exec(page.html)?.[1];
    const secret = fresh.cookies.get('csrf') ?? '';
    expect(token).toBe(createHmac('sha256', newKey).update(secret).digest('base64url'));
  }, 120_000);

  it('after keys:reseal the provider starts without the old encryption key and every code works', async () => {
    const oldRing = `k1:${ringKey()}`;
    const newRing = `k2:${ringKey()}`;
    let current = (op = await startTestProvider({ env: { TOTP_ENCRYPTION_KEYS: oldRing } }));
    const produce = await discoverRp(current.config.issuer);
    const users = [
      await createUserWithTwoFactor(current, produce, { email: 'alice@example.com' }),
      await createUserWithTwoFactor(current, produce, { email: 'bob@example.com' }),
    ];
    // Carol has started turning 2FA on: her pending secret is sealed too.
    const carol = await createUser(current, { email: 'carol@example.com' });
    const carolsBrowser = new HttpBrowser();
    const carolsPage = await openConsole(carolsBrowser, `${current.url}/account/2fa/enable`, carol);
    const carolsSecret = secretFromPage(carolsPage.html);

    // Step 1: the new key goes first; the old one still opens what it sealed.
    current = await restart(current, { TOTP_ENCRYPTION_KEYS: `${newRing},${oldRing}` });

    // Step 2: re-seal while the provider runs, as a separate process like an operator.
    const rotatingEnv = cliEnv(current, { TOTP_ENCRYPTION_KEYS: `${newRing},${oldRing}` });
    const resealed = await runCli(rotatingEnv, 'keys:reseal');
    expect({ code: resealed.code, stderr: resealed.stderr }).toEqual({ code: 0, stderr: '' });
    expect(resealed.stdout).toContain('TOTP secrets: 2 re-sealed, 0 already current');
    expect(resealed.stdout).toContain('Pending set-ups: 1 re-sealed, 0 already current');
    expect(resealed.stdout).toContain('Signing keys: 2 re-sealed, 0 already current');
    expect(resealed.stdout).toContain('the other keys can be removed');
    expect(resealed.stdout).not.toContain(newRing.slice(3));

    const again = await runCli(rotatingEnv, 'keys:reseal');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('TOTP secrets: 0 re-sealed, 2 already current');
    expect(again.stdout).toContain('Signing keys: 0 re-sealed, 2 already current');

    // Step 3: the old key is removed; the provider starts and loads its signing keys.
    const kidsBefore = (await jwks(current)).keys.map((k) => k.kid).sort();
    current = await restart(current, { TOTP_ENCRYPTION_KEYS: newRing });
    expect((await jwks(current)).keys.map((k) => k.kid).sort()).toEqual(kidsBefore);

    for (const user of users) {
      const browser = new HttpBrowser();
      const { step, pending } = await signInWithPassword(
        browser,
        produce,
        user.email,
        user.password,
      );
      expect(isOtpPage(step)).toBe(true);
      const result = await post(browser, produce, step, '/otp', { code: await user.app.next() });
      const claims = await claimsAt(produce, result.next, pending);
      expect(claims.sub).toBe(user.id);
      expect(claims.amr).toEqual(expect.arrayContaining(['otp', 'mfa']));
    }

    // Carol's set-up shows the same secret and finishes.
    const resumed = await openConsole(carolsBrowser, `${current.url}/account/2fa/enable`, carol);
    expect(secretFromPage(resumed.html)).toBe(carolsSecret);
    const carolsApp = new Authenticator(carolsSecret, current.config.totp.window);
    const done = await postForm(carolsBrowser, resumed, '/account/2fa/enable', {
      code: await carolsApp.next(),
    });
    expect(recoveryCodesFromPage(done.html)).toHaveLength(10);
  }, 180_000);

  it('the provider refuses to start with only a new encryption key before keys:reseal', async () => {
    const oldRing = `k1:${ringKey()}`;
    const current = (op = await startTestProvider({ env: { TOTP_ENCRYPTION_KEYS: oldRing } }));
    const { mongodbUri, env } = current;
    const port = current.config.port;
    await current.close();
    op = undefined;
    await expect(
      startTestProvider({
        env: { ...env, TOTP_ENCRYPTION_KEYS: `k2:${ringKey()}` },
        mongodbUri,
        port,
      }),
    ).rejects.toThrow(/cannot be decrypted/);
  }, 60_000);

  it('a signing-key rotation keeps tokens issued before it verifiable and then signs with the new key', async () => {
    let current = (op = await startTestProvider());
    const user = await createUser(current, { email: 'tokens@example.com' });
    const produce = await discoverRp(current.config.issuer);
    const idToken = async () => {
      const { step, pending } = await signInWithPassword(
        new HttpBrowser(),
        produce,
        user.email,
        user.password,
      );
      const tokens = await redeem(produce, step.url, pending);
      if (!tokens.id_token) throw new Error('no ID token');
      return tokens.id_token;
    };
    const before = await idToken();
    const oldKid = decodeProtectedHeader(before).kid;

    // Step 1: new keys are added as "next": published from the next start, never signing yet.
    const published = await runCli(cliEnv(current), 'keys:rotate-signing');
    expect(published.code).toBe(0);
    expect(published.stdout).toMatch(/ES256: added ES256-2 \(kid [\w-]+\)/);
    expect(published.stdout).toMatch(/RS256: added RS256-2 \(kid [\w-]+\)/);
    const newKid = /ES256: added ES256-2 \(kid ([\w-]+)\)/.exec(published.stdout)?.[1];

    current = await restart(current, {});
    const listed = await jwks(current);
    expect(listed.keys).toHaveLength(4);
    expect(listed.keys.find((k) => k.kid === newKid)?.key_ops).toEqual(['verify']);
    expect(decodeProtectedHeader(await idToken()).kid).toBe(oldKid);

    // Activation before relying parties' caches can know the key is refused, changing nothing.
    const early = await runCli(cliEnv(current), 'keys:rotate-signing', '--activate');
    expect(early.code).not.toBe(0);
    expect(early.stderr).toMatch(
      /ES256 key \(ES256-2\) may sign from .*after it was first published/,
    );

    // Step 2, once the wait is over: the new key signs from the next start.
    const later = new Date(Date.now() + PUBLISH_BEFORE_SIGNING_MS + 1000);
    const activated = await current.services.keyRotation.activateNextSigningKeys(later);
    expect(activated.map((a) => a.retiring)).toEqual([['ES256-1'], ['RS256-1']]);
    current = await restart(current, {});

    const after = await idToken();
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    const keySet = createLocalJWKSet(await jwks(current));
    for (const token of [before, after]) {
      const { payload } = await jwtVerify(token, keySet, {
        issuer: current.config.issuer,
        audience: 'produce',
      });
      expect(payload.sub).toBe(user.id);
    }

    // Once every token the old key signed has expired, it leaves the JWKS and is deleted.
    const ring = parseKeyRing(current.config.totpEncryptionKeys);
    const ttlMs = current.config.ttl.idToken * 1000;
    const expired = new Date(Date.now() + ttlMs + 60 * 60 * 1000);
    const keys = await loadSigningKeys(current.store.signingKeys, ring, {
      longestTokenTtlMs: ttlMs,
      now: expired,
    });
    expect(keys.map((k) => k.kid)).not.toContain(oldKid);
    expect(keys.map((k) => k.kid)).toContain(newKid);
    const { removed } = await current.services.keyRotation.publishNextSigningKeys(expired);
    expect(removed.sort()).toEqual(['ES256-1', 'RS256-1']);
  }, 120_000);
});
