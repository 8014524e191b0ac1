import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openConsole, postForm, type Page } from '../support/console.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import { discoverRp, signInWithPassword, type TestRp } from '../support/relying-party.ts';
import {
  Authenticator,
  claimsAt,
  createUserWithTwoFactor,
  isOtpPage,
  post,
  secretFromPage,
} from '../support/two-factor.ts';

describe('replacing the authenticator ("New phone?")', () => {
  let op: TestProvider;
  let produce: TestRp;

  beforeAll(async () => {
    // A wide window gives the test's authenticators enough unused steps without waiting.
    op = await startTestProvider({ env: { TOTP_WINDOW: '6' } });
    produce = await discoverRp(op.config.issuer);
  });
  afterAll(async () => op?.close());

  /** Signs in to Produce with the password and `code`; true when it reached the callback. */
  async function signInWith(user: { email: string; password: string }, code: string) {
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isOtpPage(step)).toBe(true);
    const { response, next } = await post(browser, produce, step, '/otp', { code });
    return { response, next, pending };
  }

  async function profile(user: { email: string; password: string; app: Authenticator }) {
    const browser = new HttpBrowser();
    const page = await openConsole(browser, `${op.url}/account`, user);
    const signedIn = await postForm(browser, page, '/otp', { code: await user.app.next() });
    return { browser, page: signedIn };
  }

  it('keeps 2FA on throughout; the old app works until the new one is confirmed, then stops', async () => {
    const role = await op.store.roles.create({ name: 'Enforcing', enforce2fa: true });
    const user = await createUserWithTwoFactor(op, produce, { email: 'new-phone@example.com' });
    await op.store.users.update(user.id, { roleIds: [role.id] });
    const before = await op.services.totp.status(user.id);

    // A browser remembered for the old authenticator.
    const stored = await op.store.users.findById(user.id);
    if (!stored) throw new Error('no user');
    expect(await op.services.rememberedBrowsers.remember(stored, 'Firefox on Linux')).toBeTruthy();
    expect((await op.store.rememberedBrowsers.listForUser(user.id)).length).toBe(1);

    const { browser, page } = await profile(user);
    expect(page.html).toContain('New phone? Replace your authenticator');
    const start = await openConsole(browser, `${op.url}/account/2fa/replace`);
    expect(start.html).toContain('Replace your authenticator');

    const wrong = await postForm(browser, start, '/account/2fa/replace', {
      code: user.app.wrong(),
    });
    expect(wrong.status).toBe(401);

    const scan = await postForm(browser, wrong, '/account/2fa/replace', {
      code: await user.app.next(),
    });
    expect(scan.url).toBe(`${op.url}/account/2fa/replace/confirm`);
    const next = new Authenticator(secretFromPage(scan.html), op.config.totp.window);
    expect(next.secret).not.toBe(user.app.secret);

    // Still the old authenticator: its codes sign in, the new one's do not yet.
    expect((await op.services.totp.status(user.id))?.enrollmentId).toBe(before?.enrollmentId);
    const oldStill = await signInWith(user, await user.app.next());
    expect((await claimsAt(produce, oldStill.next, oldStill.pending)).amr).toContain('otp');
    const newTooEarly = await signInWith(user, await next.next());
    expect(newTooEarly.response.status).toBe(401);

    // A wrong code from the new app changes nothing.
    const refused = await postForm(browser, scan, '/account/2fa/replace/confirm', {
      code: next.wrong(),
    });
    expect(refused.status).toBe(401);
    expect((await op.services.totp.status(user.id))?.enrollmentId).toBe(before?.enrollmentId);

    const done = await postForm(browser, refused, '/account/2fa/replace/confirm', {
      code: await next.next(),
    });
    expect(done.url).toBe(`${op.url}/account?notice=replaced`);
    expect(done.html).toContain('Your new authenticator app is set up.');
    const after = await op.services.totp.status(user.id);
    expect(after).not.toBeNull();
    expect(after?.enrollmentId).not.toBe(before?.enrollmentId);
    expect(await op.store.rememberedBrowsers.listForUser(user.id)).toEqual([]);
    // Recovery codes survive a new phone.
    expect(await op.services.recovery.remaining(user.id)).toBe(10);

    const oldNow = await signInWith(user, await user.app.next());
    expect(oldNow.response.status).toBe(401);
    const newNow = await signInWith(user, await next.next());
    expect((await claimsAt(produce, newNow.next, newNow.pending)).amr).toContain('otp');

    const events = await op.services.audit.list({ targetId: user.id, page: 1, pageSize: 50 });
    expect(events.items.map((e) => e.action)).toContain('totp.replaced');
  });

  it('accepts a recovery code as the proof, and needs the proof before showing a new secret', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'lost-and-new@example.com' });
    const { browser } = await profile(user);
    const skipped = await browser.get(`${op.url}/account/2fa/replace/confirm`);
    expect(skipped.status).toBe(302);
    expect(skipped.headers.get('location')).toBe('/account/2fa/replace');

    const start: Page = await openConsole(browser, `${op.url}/account/2fa/replace`);
    const scan = await postForm(browser, start, '/account/2fa/replace', {
      code: user.app.recoveryCodes[0] ?? '',
    });
    expect(scan.url).toBe(`${op.url}/account/2fa/replace/confirm`);
    expect(await op.services.recovery.remaining(user.id)).toBe(9);
    const next = new Authenticator(secretFromPage(scan.html), op.config.totp.window);
    const done = await postForm(browser, scan, '/account/2fa/replace/confirm', {
      code: await next.next(),
    });
    expect(done.url).toBe(`${op.url}/account?notice=replaced`);
  });

  it('refuses a replacement started in another browser', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'two-browsers@example.com' });
    const first = await profile(user);
    const start = await openConsole(first.browser, `${op.url}/account/2fa/replace`);
    const scan = await postForm(first.browser, start, '/account/2fa/replace', {
      code: await user.app.next(),
    });
    const next = new Authenticator(secretFromPage(scan.html), op.config.totp.window);

    const second = await profile(user);
    const elsewhere = await second.browser.get(`${op.url}/account/2fa/replace/confirm`);
    expect(elsewhere.status).toBe(302);
    const before = await op.services.totp.status(user.id);
    const page = await openConsole(second.browser, `${op.url}/account/2fa/replace`);
    const forged = await second.browser.post(`${op.url}/account/2fa/replace/confirm`, {
      csrf: /name="csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '',
      code: await next.next(),
    });
    expect(forged.status).toBe(303);
    expect(forged.headers.get('location')).toBe('/account/2fa/replace');
    expect((await op.services.totp.status(user.id))?.enrollmentId).toBe(before?.enrollmentId);
  });
});
