import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createUserWithRoles, giveTwoFactor, openConsoleWithCode } from '../support/admin-pages.ts';
import { openConsole, type Page } from '../support/console.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { formAction, hiddenInput, HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  authorizationRequest,
  discoverRp,
  open,
  redeem,
  signInWithPassword,
  type TestRp,
} from '../support/relying-party.ts';

/** Whether a console page asked to sign in again (the provider's password page). */
function asksToSignIn(page: Page): boolean {
  return page.status === 200 && page.html.includes('name="password"');
}

/**
 * The account and admin pages ride on the provider's single sign-on session: they end when it
 * ends or changes account, their own session is server-side (signing out revokes it), sign-out
 * is a POST with a CSRF token, and idle and absolute lifetimes apply.
 */
describe('console sessions', () => {
  let op: TestProvider;
  let produce: TestRp;

  beforeAll(async () => {
    op = await startTestProvider();
    produce = await discoverRp(op.config.issuer);
  });
  afterAll(async () => op?.close());

  /** Signs out of Produce with RP-initiated logout, confirming on the provider's page. */
  async function signOutOfProduce(browser: HttpBrowser, idToken: string) {
    const url = new URL(`${op.config.issuer}/session/end`);
    url.search = new URLSearchParams({
      id_token_hint: idToken,
      post_logout_redirect_uri: 'http://127.0.0.1:4001/',
    }).toString();
    const ask = await browser.get(url.toString());
    const html = await ask.text();
    expect(html).toContain('Yes, sign me out');
    const confirm = await browser.post(
      new URL(formAction(html, '/session/end/confirm'), url).toString(),
      {
        xsrf: hiddenInput(html, 'xsrf'),
        logout: 'yes',
      },
    );
    expect(confirm.status).toBe(303);
    expect(confirm.headers.get('location')).toBe('http://127.0.0.1:4001/');
  }

  async function signInToProduce(
    browser: HttpBrowser,
    user: { email: string; password: string },
    params: Record<string, string> = {},
  ) {
    const { step, pending } = await signInWithPassword(
      browser,
      produce,
      user.email,
      user.password,
      params,
    );
    expect(atCallback(produce, step)).toBe(true);
    return redeem(produce, step.url, pending);
  }

  it('asks to sign in again at /account and /admin after signing out of Produce', async () => {
    const adminRole = await op.store.roles.create({ name: 'Admins', admin: true });
    const admin = await createUserWithRoles(op, 'rp-logout-admin@example.com', [adminRole.id]);
    const secret = await giveTwoFactor(op, admin.id);
    const browser = new HttpBrowser();
    const adminPage = await openConsoleWithCode(browser, `${op.url}/admin/users`, admin, secret);
    expect(adminPage.status).toBe(200);
    expect(adminPage.html).toContain('Users');
    expect((await openConsole(browser, `${op.url}/account`)).html).toContain(admin.email);

    // Produce shares the SSO session (no password asked), then signs out.
    const pending = await authorizationRequest(produce);
    const step = await open(browser, produce, pending.url);
    expect(atCallback(produce, step)).toBe(true);
    const tokens = await redeem(produce, step.url, pending);
    await signOutOfProduce(browser, tokens.id_token ?? '');

    expect(asksToSignIn(await openConsole(browser, `${op.url}/admin/users`))).toBe(true);
    expect(asksToSignIn(await openConsole(browser, `${op.url}/account`))).toBe(true);
  });

  it('shows the new person at /account after another account signs in with prompt=login', async () => {
    const first = await createUser(op, { email: 'switch-a@example.com' });
    const second = await createUser(op, { email: 'switch-b@example.com' });
    const browser = new HttpBrowser();
    const profileA = await openConsole(browser, `${op.url}/account`, first);
    expect(profileA.html).toContain('switch-a@example.com');

    const { step, pending } = await signInWithPassword(
      browser,
      produce,
      second.email,
      second.password,
      {
        prompt: 'login',
      },
    );
    // The provider ends A's session first (a self-submitting form), then signs B in.
    let current = step;
    if (!atCallback(produce, current) && current.html.includes('/session/end/confirm')) {
      const action = new URL(
        formAction(current.html, '/session/end/confirm'),
        current.url,
      ).toString();
      const response = await browser.post(action, {
        xsrf: hiddenInput(current.html, 'xsrf'),
        logout: 'yes',
      });
      current = await open(
        browser,
        produce,
        new URL(response.headers.get('location') ?? '', action).toString(),
      );
    }
    expect(atCallback(produce, current)).toBe(true);
    expect((await redeem(produce, current.url, pending)).claims()?.sub).toBe(second.id);

    const profile = await openConsole(browser, `${op.url}/account`);
    expect(profile.html).toContain('switch-b@example.com');
    expect(profile.html).not.toContain('switch-a@example.com');
  });

  it('revokes the console cookie at sign-out: a copy taken before no longer works', async () => {
    const user = await createUser(op, { email: 'copy@example.com' });
    const browser = new HttpBrowser();
    const profile = await openConsole(browser, `${op.url}/account`, user);
    expect(profile.html).toContain('copy@example.com');
    const copy = new HttpBrowser();
    for (const [name, value] of browser.cookies) copy.cookies.set(name, value);
    expect((await openConsole(copy, `${op.url}/account`)).html).toContain('copy@example.com');

    const ask = await openConsole(browser, `${op.url}/account/logout`);
    const out = await browser.post(`${op.url}/account/logout`, {
      csrf: hiddenInput(ask.html, 'csrf'),
    });
    expect(out.status).toBe(303);
    const consoles = op.store.connection.db?.collection('console_sessions');
    expect(await consoles?.countDocuments({ userId: user.id })).toBe(0);
    // The provider asks whether to end the single sign-on too; yes.
    const endUrl = new URL(out.headers.get('location') ?? '', op.url).toString();
    const end = await browser.get(endUrl);
    const endHtml = await end.text();
    const confirm = await browser.post(
      new URL(formAction(endHtml, '/session/end/confirm'), endUrl).toString(),
      { xsrf: hiddenInput(endHtml, 'xsrf'), logout: 'yes' },
    );
    expect(confirm.status).toBeLessThan(400);
    expect(asksToSignIn(await openConsole(copy, `${op.url}/account`))).toBe(true);
    expect(asksToSignIn(await openConsole(browser, `${op.url}/account`))).toBe(true);
  });

  it('does not sign out on a cross-site GET or a POST without the CSRF token', async () => {
    const user = await createUser(op, { email: 'csrf@example.com' });
    const browser = new HttpBrowser();
    await openConsole(browser, `${op.url}/account`, user);
    const get = await browser.request(`${op.url}/account/logout`, {
      headers: { referer: 'https://evil.example/', 'sec-fetch-site': 'cross-site' },
    });
    expect(get.status).toBe(200);
    expect(await get.text()).toContain('Sign out of your account page');
    const forged = await browser.post(`${op.url}/account/logout`, {});
    expect([400, 403]).toContain(forged.status);
    expect((await openConsole(browser, `${op.url}/account`)).html).toContain('csrf@example.com');
  });

  it('ends the console after the idle timeout and after the absolute lifetime', async () => {
    const user = await createUser(op, { email: 'idle@example.com' });
    const browser = new HttpBrowser();
    await openConsole(browser, `${op.url}/account`, user);
    const db = op.store.connection.db;
    if (!db) throw new Error('no database');
    const consoles = db.collection('console_sessions');
    const idleMs = op.config.session.idleSeconds * 1000;
    const cookie = () => browser.cookies.get('console_session');

    // Absolute lifetime over while the single sign-on lives on: the console signs in anew
    // through it (a new console session, no password).
    const first = cookie();
    await consoles.updateMany(
      { userId: user.id },
      { $set: { expiresAt: new Date(Date.now() - 1000) } },
    );
    expect((await openConsole(browser, `${op.url}/account`)).html).toContain('idle@example.com');
    expect(cookie()).not.toBe(first);
    expect(await consoles.countDocuments({ userId: user.id })).toBe(1);

    // Idle past the timeout, console and single sign-on alike: the password is asked again.
    const past = new Date(Date.now() - idleMs - 1000);
    await consoles.updateMany({ userId: user.id }, { $set: { lastSeenAt: past } });
    await db
      .collection('oidc_session')
      .updateMany({ accountId: user.id }, { $set: { expiresAt: past } });
    expect(asksToSignIn(await openConsole(browser, `${op.url}/account`))).toBe(true);
    expect(await consoles.countDocuments({ userId: user.id })).toBe(0);
  });

  it('gives the single sign-on session a 30-minute idle timeout within a 10-hour lifetime', async () => {
    const user = await createUser(op, { email: 'sso-idle@example.com' });
    const browser = new HttpBrowser();
    const before = Date.now();
    await signInToProduce(browser, user);
    const [stored] =
      (await op.store.connection.db
        ?.collection('oidc_session')
        .find({ accountId: user.id })
        .toArray()) ?? [];
    const expiresAt = (stored?.expiresAt as Date | undefined)?.getTime() ?? 0;
    expect(expiresAt).toBeGreaterThanOrEqual(before + 30 * 60_000 - 2000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 30 * 60_000 + 2000);

    // Once idle past it, the next authorization asks for the password again.
    await op.store.connection.db
      ?.collection('oidc_session')
      .updateMany({ accountId: user.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const pending = await authorizationRequest(produce);
    const step = await open(browser, produce, pending.url);
    expect(step.html).toContain('name="password"');
  });
});
