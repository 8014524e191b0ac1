import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { adminApiClient, adminApiToken } from '../support/admin-api.ts';
import { openConsole, postForm, type Page } from '../support/console.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { hiddenInput, HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  authorizationRequest,
  discoverRp,
  open,
  redeem,
  signInWithPassword,
  type TestRp,
} from '../support/relying-party.ts';
import {
  enrollFromProfile,
  isLoginPage,
  isOtpPage,
  type Authenticator,
} from '../support/two-factor.ts';

type TestUser = Awaited<ReturnType<typeof createUser>>;

const FIREFOX_ON_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0';

/** One row of the Profile's sessions table. */
interface SessionRow {
  uid: string;
  current: boolean;
  html: string;
}

function sessionRows(html: string): SessionRow[] {
  return [
    ...html.matchAll(/<tr data-session="([^"]+)"( data-current="yes")?>([\s\S]*?)<\/tr>/g),
  ].map((match) => ({ uid: match[1] ?? '', current: Boolean(match[2]), html: match[3] ?? '' }));
}

describe('Sessions: the user sees and ends their sessions; admins sign a user out everywhere', () => {
  let op: TestProvider;
  let produce: TestRp;
  const email = (name: string) => `${name}-${randomBytes(3).toString('hex')}@example.com`;

  beforeAll(async () => {
    op = await startTestProvider();
    produce = await discoverRp(op.config.issuer);
  });
  afterAll(async () => op?.close());

  /** A browser (with this User-Agent) signed in to Produce with offline access: the refresh token. */
  async function signInToProduce(browser: HttpBrowser, user: TestUser): Promise<string> {
    const { step, pending } = await signInWithPassword(
      browser,
      produce,
      user.email,
      user.password,
      { scope: 'openid email offline_access', prompt: 'consent' },
    );
    if (!atCallback(produce, step)) throw new Error(`sign-in did not finish: ${step.url}`);
    const tokens = await redeem(produce, step.url, pending);
    if (!tokens.refresh_token) throw new Error('no refresh token issued');
    return tokens.refresh_token;
  }

  /** Refreshes at the token endpoint (the token rotates): the new refresh token. */
  async function refresh(token: string): Promise<string> {
    const tokens = await client.refreshTokenGrant(produce.config, token);
    return tokens.refresh_token ?? token;
  }

  async function expectRefreshRefused(token: string): Promise<void> {
    await expect(client.refreshTokenGrant(produce.config, token)).rejects.toMatchObject({
      error: 'invalid_grant',
    });
  }

  /** True when this browser's next authorization request for Produce shows the login page. */
  async function asksToSignIn(browser: HttpBrowser): Promise<boolean> {
    const step = await open(browser, produce, (await authorizationRequest(produce)).url);
    if (!isLoginPage(step) && !atCallback(produce, step)) {
      throw new Error(`unexpected step ${step.status} ${step.url}`);
    }
    return isLoginPage(step);
  }

  async function rememberBrowserOf(user: TestUser): Promise<void> {
    await op.store.rememberedBrowsers.create({
      userId: user.id,
      tokenHash: randomBytes(32).toString('hex'),
      enrollmentId: 'e',
      label: 'Firefox on Windows',
      expiresAt: new Date(Date.now() + 86_400_000),
    });
  }

  /** A user signed in to Produce in two browsers (Chrome on Linux, Firefox on Windows). */
  async function userWithTwoBrowsers(name: string) {
    const user = await createUser(op, { email: email(name) });
    const here = new HttpBrowser();
    const there = new HttpBrowser();
    there.userAgent = FIREFOX_ON_WINDOWS;
    const hereToken = await signInToProduce(here, user);
    const thereToken = await signInToProduce(there, user);
    return { user, here, there, hereToken, thereToken };
  }

  /** Someone else, signed in to Produce: what must survive another user's sign-outs. */
  async function bystander() {
    const user = await createUser(op, { email: email('bystander') });
    const browser = new HttpBrowser();
    const token = await signInToProduce(browser, user);
    return { user, browser, token };
  }

  async function expectUntouched(other: Awaited<ReturnType<typeof bystander>>): Promise<void> {
    other.token = await refresh(other.token);
    expect(await asksToSignIn(other.browser)).toBe(false);
  }

  describe('Profile', () => {
    it('lists the sessions with browser, address, sign-in times and apps, and marks this browser', async () => {
      const { here } = await userWithTwoBrowsers('list');
      const profile = await openConsole(here, `${op.url}/account`);
      expect(profile.url).toBe(`${op.url}/account`);
      expect(profile.html).toContain('Your sessions');
      const rows = sessionRows(profile.html);
      expect(rows).toHaveLength(2);
      const [current, other] = [rows.find((r) => r.current), rows.find((r) => !r.current)];
      expect(current?.html).toContain('Chrome on Linux');
      expect(current?.html).toContain('This browser');
      expect(current?.html).toContain('Produce, Twofold account');
      expect(current?.html).not.toContain('/sign-out');
      expect(other?.html).toContain('Firefox on Windows');
      expect(other?.html).not.toContain('This browser');
      expect(other?.html).toMatch(/data-label="Apps">Produce</);
      expect(other?.html).toContain(`action="/account/sessions/${other?.uid}/sign-out"`);
      for (const row of rows) {
        expect(row.html).toContain('127.0.0.1');
        expect(row.html).toMatch(/data-label="Signed in">\d{1,2} \w+ \d{4}[^<]*UTC</);
        expect(row.html).toMatch(/data-label="Last active">\d{1,2} \w+ \d{4}[^<]*UTC</);
      }
      // Narrow screens: each row becomes a card, its cells under their column names.
      expect(profile.html).toContain('<table class="sessions stack">');
      // Nobody has remembered browsers here: nothing to forget.
      expect(profile.html).toContain('action="/account/sessions/sign-out-everywhere"');
      expect(profile.html).not.toContain('name="forgetBrowsers"');
    });

    it('"Sign out" ends that session and its refresh token, and leaves this one', async () => {
      const { user, here, there, hereToken, thereToken } = await userWithTwoBrowsers('one');
      const profile = await openConsole(here, `${op.url}/account`);
      const other = sessionRows(profile.html).find((r) => !r.current);
      if (!other) throw new Error('no other session listed');

      const after = await postForm(here, profile, `/account/sessions/${other.uid}/sign-out`, {});
      expect(after.url).toBe(`${op.url}/account?notice=session`);
      expect(after.html).toContain('That session is signed out.');
      expect(sessionRows(after.html).map((r) => r.current)).toEqual([true]);

      await expectRefreshRefused(thereToken);
      expect(await asksToSignIn(there)).toBe(true);
      await refresh(hereToken);
      expect(await asksToSignIn(here)).toBe(false);
      const events = await op.services.audit.list({ targetId: user.id, page: 1, pageSize: 20 });
      expect(events.items.map((e) => e.action)).toContain('session.sign_out');
    });

    it('answers 404 for a session of another user, and refuses a POST without a valid CSRF token; nothing ends', async () => {
      const { here, hereToken } = await userWithTwoBrowsers('foreign');
      const other = await bystander();
      const foreignUid = (await op.store.sessionActivity.list(other.user.id))[0]?.uid;
      if (!foreignUid) throw new Error('no session recorded for the bystander');
      const profile = await openConsole(here, `${op.url}/account`);
      const csrf = hiddenInput(profile.html, 'csrf');

      const foreign = await here.post(`${op.url}/account/sessions/${foreignUid}/sign-out`, {
        csrf,
      });
      expect(foreign.status).toBe(404);
      const unknown = await here.post(`${op.url}/account/sessions/nope/sign-out`, { csrf });
      expect(unknown.status).toBe(404);
      const missing = await here.post(`${op.url}/account/sessions/sign-out-everywhere`, {});
      expect(missing.status).toBeGreaterThanOrEqual(400);
      expect(missing.status).toBeLessThan(500);
      const forged = await here.post(`${op.url}/account/sessions/sign-out-everywhere`, {
        csrf: 'forged',
      });
      expect(forged.status).toBe(403);
      const own = sessionRows(profile.html).find((r) => !r.current)?.uid ?? '';
      const forgedOne = await here.post(`${op.url}/account/sessions/${own}/sign-out`, {
        csrf: 'forged',
      });
      expect(forgedOne.status).toBe(403);

      await expectUntouched(other);
      await refresh(hereToken);
      expect(sessionRows((await openConsole(here, `${op.url}/account`)).html)).toHaveLength(2);
    });

    it('"Sign out everywhere" ends every session and refresh token of the user and nothing of another user; remembered browsers stay unless asked', async () => {
      const { user, here, there, hereToken, thereToken } = await userWithTwoBrowsers('all');
      const other = await bystander();
      await rememberBrowserOf(user);
      await rememberBrowserOf(other.user);

      const profile = await openConsole(here, `${op.url}/account`);
      expect(profile.html).toMatch(/<input type="checkbox" name="forgetBrowsers" value="on">/);
      const done = await postForm(here, profile, '/account/sessions/sign-out-everywhere', {});
      expect(done.url).toBe(`${op.url}/account/signed-out`);
      expect(done.html).toContain('You are signed out');

      await expectRefreshRefused(hereToken);
      await expectRefreshRefused(thereToken);
      expect(await asksToSignIn(here)).toBe(true);
      expect(await asksToSignIn(there)).toBe(true);
      // The account pages of this browser ended with its session.
      expect((await openConsole(here, `${op.url}/account`)).url).toContain('/interaction/');
      expect(await op.store.rememberedBrowsers.listForUser(user.id)).toHaveLength(1);
      expect(await op.store.sessionActivity.list(user.id)).toEqual([]);
      await expectUntouched(other);
      expect(await op.store.rememberedBrowsers.listForUser(other.user.id)).toHaveLength(1);
      const events = await op.services.audit.list({ targetId: user.id, page: 1, pageSize: 20 });
      expect(events.items.find((e) => e.action === 'session.sign_out_everywhere')).toMatchObject({
        actorId: user.id,
        details: { by: 'self', forgotBrowsers: false },
      });

      // Signed in again, this time also forgetting the remembered browsers.
      const again = new HttpBrowser();
      const againToken = await signInToProduce(again, user);
      const page = await openConsole(again, `${op.url}/account`);
      const forgot = await postForm(again, page, '/account/sessions/sign-out-everywhere', {
        forgetBrowsers: 'on',
      });
      expect(forgot.url).toBe(`${op.url}/account/signed-out`);
      await expectRefreshRefused(againToken);
      expect(await op.store.rememberedBrowsers.listForUser(user.id)).toHaveLength(0);
      expect(await op.store.rememberedBrowsers.listForUser(other.user.id)).toHaveLength(1);
      await expectUntouched(other);
    });
  });

  describe('administrators', () => {
    let admin: TestUser & { app: Authenticator };
    let adminBrowser: HttpBrowser;
    let script: TestRp;
    let resource: string;
    let token: string;

    beforeAll(async () => {
      const role = await op.store.roles.create({ name: 'Security', admin: true });
      const user = await createUser(op, { email: email('admin') });
      admin = { ...user, app: await enrollFromProfile(op, user) };
      await op.store.users.addRole(admin.id, role.id);
      adminBrowser = new HttpBrowser();
      const codePage = await openConsole(adminBrowser, `${op.url}/admin`, admin);
      expect(isOtpPage(codePage)).toBe(true);
      const page = await postForm(adminBrowser, codePage, '/otp', { code: await admin.app.next() });
      expect(page.url).toBe(`${op.url}/admin`);
      resource = `${op.config.issuer}/admin/api`;
      script = await adminApiClient(op);
      token = await adminApiToken(script, resource, admin);
    }, 120_000);

    async function editPage(userId: string): Promise<Page> {
      const { response, url } = await adminBrowser.follow(`${op.url}/admin/users/${userId}`);
      return { status: response.status, url, html: await response.text() };
    }

    async function api(path: string, body: unknown, bearer = token) {
      const response = await fetch(`${op.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    }

    it('the edit-user page signs the user out everywhere, keeping remembered browsers unless ticked', async () => {
      const { user, here, there, hereToken, thereToken } = await userWithTwoBrowsers('paged');
      const other = await bystander();
      await rememberBrowserOf(user);

      const page = await editPage(user.id);
      expect(page.html).toContain(`action="/admin/users/${user.id}/sign-out-everywhere"`);
      const done = await postForm(adminBrowser, page, '/sign-out-everywhere', {});
      expect(done.url).toBe(`${op.url}/admin/users/${user.id}?notice=signed-out`);
      expect(done.html).toContain('signed out everywhere');
      await expectRefreshRefused(hereToken);
      await expectRefreshRefused(thereToken);
      expect(await asksToSignIn(here)).toBe(true);
      expect(await asksToSignIn(there)).toBe(true);
      expect(await op.store.rememberedBrowsers.listForUser(user.id)).toHaveLength(1);
      await expectUntouched(other);
      const events = await op.services.audit.list({ targetId: user.id, page: 1, pageSize: 20 });
      expect(events.items.find((e) => e.action === 'session.sign_out_everywhere')).toMatchObject({
        actorId: admin.id,
        details: { by: 'admin', forgotBrowsers: false },
      });

      const forgot = await postForm(adminBrowser, done, '/sign-out-everywhere', {
        forgetBrowsers: 'on',
      });
      expect(forgot.url).toBe(`${op.url}/admin/users/${user.id}?notice=signed-out-forgot`);
      expect(await op.store.rememberedBrowsers.listForUser(user.id)).toHaveLength(0);
      // The administrator is still signed in.
      expect((await editPage(user.id)).status).toBe(200);
    });

    it('the page refuses a POST without a valid CSRF token, and a user who is not an admin', async () => {
      const { user, hereToken } = await userWithTwoBrowsers('guarded');
      const forged = await adminBrowser.post(
        `${op.url}/admin/users/${user.id}/sign-out-everywhere`,
        { csrf: 'forged' },
      );
      expect(forged.status).toBe(403);
      const missing = await adminBrowser.post(
        `${op.url}/admin/users/${user.id}/sign-out-everywhere`,
        {},
      );
      expect(missing.status).toBe(403);

      const plain = await createUser(op, { email: email('plain') });
      const plainBrowser = new HttpBrowser();
      const profile = await openConsole(plainBrowser, `${op.url}/account`, plain);
      const refused = await plainBrowser.post(
        `${op.url}/admin/users/${user.id}/sign-out-everywhere`,
        { csrf: hiddenInput(profile.html, 'csrf') },
      );
      expect(refused.status).toBe(403);
      await refresh(hereToken);
    });

    it('the API signs the user out everywhere (200, the user), 404 for an unknown user, 403 for a non-admin', async () => {
      const { user, here, hereToken, thereToken } = await userWithTwoBrowsers('api');
      const other = await bystander();
      await rememberBrowserOf(user);

      const path = `/admin/api/users/${user.id}/sign-out-everywhere`;
      const plain = await createUser(op, { email: email('plain-api') });
      const plainToken = await adminApiToken(script, resource, plain);
      expect((await api(path, {}, plainToken)).status).toBe(403);
      expect((await api(path, { forgetRememberedBrowsers: 'yes' })).status).toBe(400);
      expect((await api(path, { other: true })).status).toBe(400);
      await refresh(hereToken);

      const done = await api(path, {});
      expect(done.status).toBe(200);
      expect(done.json).toMatchObject({ id: user.id, email: user.email });
      await expectRefreshRefused(thereToken);
      expect(await asksToSignIn(here)).toBe(true);
      expect(await op.store.rememberedBrowsers.listForUser(user.id)).toHaveLength(1);
      await expectUntouched(other);

      expect((await api(path, { forgetRememberedBrowsers: true })).status).toBe(200);
      expect(await op.store.rememberedBrowsers.listForUser(user.id)).toHaveLength(0);
      const unknown = await api(`/admin/api/users/${'0'.repeat(24)}/sign-out-everywhere`, {});
      expect(unknown.status).toBe(404);
      expect(unknown.json.error).toBe('not_found');
      await expectUntouched(other);
    });

    it('documents the operation in the OpenAPI document', async () => {
      const document = (await (await fetch(`${op.url}/admin/api/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { requestBody?: unknown; responses: object }>>;
      };
      const operation = document.paths['/admin/api/users/{id}/sign-out-everywhere']?.post;
      expect(operation?.requestBody).toBeDefined();
      expect(Object.keys(operation?.responses ?? {})).toEqual(
        expect.arrayContaining(['200', '404']),
      );
      expect(JSON.stringify(operation)).toContain('forgetRememberedBrowsers');
    });
  });
});
