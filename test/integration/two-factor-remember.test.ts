import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { setNewPassword } from '../../src/services/account-security.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import { discoverRp, signInWithPassword, type TestRp } from '../support/relying-party.ts';
import {
  ACR_MULTI,
  claimsAt,
  createUserWithTwoFactor,
  isOtpPage,
  post,
} from '../support/two-factor.ts';

const COOKIE = 'remember_browser';
const DAY_S = 24 * 3600;

describe('"Remember this browser?"', () => {
  let op: TestProvider;
  let produce: TestRp;
  let manage: TestRp;

  beforeAll(async () => {
    op = await startTestProvider();
    produce = await discoverRp(op.config.issuer);
    manage = await discoverRp(op.config.issuer, 'manage');
  });
  afterAll(async () => op?.close());

  const browsers = () =>
    op.store.connection.db!.collection<{ _id: string; userId: unknown; expiresAt: Date }>(
      'remembered_browsers',
    );

  /** Signs in with the code in a fresh browser and ticks "Remember this browser?". */
  async function rememberedBrowserOf(user: Awaited<ReturnType<typeof createUserWithTwoFactor>>) {
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isOtpPage(step)).toBe(true);
    const result = await post(browser, produce, step, '/otp', {
      code: await user.app.next(),
      remember: 'on',
    });
    const claims = await claimsAt(produce, result.next, pending);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    return { browser, setCookies: result.setCookies };
  }

  /** A new sign-in in `browser` that must not reuse its SSO session. */
  function signInAgain(browser: HttpBrowser, user: { email: string; password: string }) {
    for (const name of [...browser.cookies.keys()]) {
      if (name.startsWith('_session')) browser.cookies.delete(name);
    }
    return signInWithPassword(browser, manage, user.email, user.password);
  }

  it('skips the code on the next sign-in in the same browser, with amr pwd+mfa and the multi-factor acr', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'remember@example.com' });
    const { browser } = await rememberedBrowserOf(user);
    const { step, pending } = await signInAgain(browser, user);
    const claims = await claimsAt(manage, step, pending);
    expect(claims.sub).toBe(user.id);
    expect(claims.amr).toEqual(['pwd', 'mfa']);
    expect(claims.acr).toBe(ACR_MULTI);
    expect(typeof claims.auth_time).toBe('number');
    // Another browser of the same user is still asked for the code.
    const other = await signInWithPassword(new HttpBrowser(), manage, user.email, user.password);
    expect(isOtpPage(other.step)).toBe(true);
  });

  it('sets an HttpOnly, SameSite=Lax cookie for 90 days and stores only the SHA-256 of its token', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'cookie@example.com' });
    const { browser, setCookies } = await rememberedBrowserOf(user);
    const header = setCookies.find((c) => c.startsWith(`${COOKIE}=`));
    expect(header).toBeDefined();
    const attributes = (header ?? '').split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('samesite=lax');
    expect(attributes).toContain('path=/');
    // koa's cookies express the lifetime as Expires; accept Max-Age too.
    const maxAge = attributes.find((a) => a.startsWith('max-age='));
    const expires = attributes.find((a) => a.startsWith('expires='));
    const lifetime = maxAge
      ? Number(maxAge.slice('max-age='.length))
      : (Date.parse(expires?.slice('expires='.length) ?? '') - Date.now()) / 1000;
    expect(Math.abs(lifetime - 90 * DAY_S)).toBeLessThan(120);

    const token = browser.cookies.get(COOKIE) ?? '';
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
    const records = await browsers().find({}).toArray();
    const mine = records.filter((r) => String(r.userId) === user.id);
    expect(mine).toHaveLength(1);
    const record = mine[0]!;
    // The record is keyed by the token's SHA-256, so a browser is recognised by an `_id` read.
    expect(record._id).toMatch(/^[0-9a-f]{64}$/);
    expect(record._id).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(records)).not.toContain(token);
    const days = ((record.expiresAt as Date).getTime() - Date.now()) / 1000 / DAY_S;
    expect(days).toBeGreaterThan(89.9);
    expect(days).toBeLessThanOrEqual(90);
  });

  it('does not skip the code for another user signing in on a remembered browser', async () => {
    const alice = await createUserWithTwoFactor(op, produce, { email: 'shared-a@example.com' });
    const bob = await createUserWithTwoFactor(op, produce, { email: 'shared-b@example.com' });
    const { browser } = await rememberedBrowserOf(alice);
    const { step } = await signInAgain(browser, bob);
    expect(isOtpPage(step)).toBe(true);
  });

  it('asks for the code when the cookie was tampered with', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'tamper@example.com' });
    const { browser } = await rememberedBrowserOf(user);
    const token = browser.cookies.get(COOKIE) ?? '';
    const flipped = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const value of [flipped, 'garbage', `${token}x`]) {
      browser.cookies.set(COOKIE, value);
      const { step } = await signInAgain(browser, user);
      expect(isOtpPage(step)).toBe(true);
    }
  });

  it('asks for the code once the remembered browser expired', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'expired@example.com' });
    const { browser } = await rememberedBrowserOf(user);
    // The server's clock cannot be moved (fake timers do not reach the real server), so the
    // stored record is moved 90 days + 1 minute into the past instead.
    await browsers().updateMany(
      { _id: createHash('sha256').update(browser.cookies.get(COOKIE)!).digest('hex') },
      { $set: { expiresAt: new Date(Date.now() - 60_000) } },
    );
    const { step } = await signInAgain(browser, user);
    expect(isOtpPage(step)).toBe(true);
  });

  it('forgets the browser when 2FA is turned off', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'disable@example.com' });
    const { browser } = await rememberedBrowserOf(user);
    expect(await op.store.rememberedBrowsers.listForUser(user.id)).toHaveLength(1);
    await op.services.totp.remove(user.id);
    expect(await op.store.rememberedBrowsers.listForUser(user.id)).toHaveLength(0);
    const stale = await browsers().findOne({
      _id: createHash('sha256').update(browser.cookies.get(COOKIE)!).digest('hex'),
    });
    expect(stale).toBeNull();
  });

  it('asks for the code again after a password change (the service the profile page uses)', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'password@example.com' });
    const { browser } = await rememberedBrowserOf(user);
    const fresh = await op.store.users.findById(user.id);
    const password = 'a fresh and long passphrase 42';
    await setNewPassword(op.store, op.services.passwords, fresh!, password);
    expect(await op.store.rememberedBrowsers.listForUser(user.id)).toHaveLength(0);
    const { step } = await signInAgain(browser, { email: user.email, password });
    expect(isOtpPage(step)).toBe(true);
  });

  it('recognises the browser on every later sign-in and records when it was last used', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'twice@example.com' });
    const { browser } = await rememberedBrowserOf(user);
    const [before] = await op.store.rememberedBrowsers.listForUser(user.id);
    for (let i = 0; i < 2; i++) {
      const { step, pending } = await signInAgain(browser, user);
      expect((await claimsAt(manage, step, pending)).amr).toEqual(['pwd', 'mfa']);
    }
    const [after] = await op.store.rememberedBrowsers.listForUser(user.id);
    expect(after?.lastUsedAt.getTime()).toBeGreaterThan(before!.lastUsedAt.getTime());
    expect(after?.label).toBe('Chrome on Linux');
  });
});
