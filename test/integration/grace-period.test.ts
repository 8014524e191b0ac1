import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { formatMoment } from '../../src/web/render.ts';
import { createUserWithRoles, giveTwoFactor, openConsoleWithCode } from '../support/admin-pages.ts';
import { openConsole } from '../support/console.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  authorizationRequest,
  discoverRp,
  open,
  signInWithPassword,
  type TestRp,
} from '../support/relying-party.ts';
import {
  ACR_SINGLE,
  claimsAt,
  finishEnrollment,
  isEnrollPage,
  post,
} from '../support/two-factor.ts';

const DAY_MS = 86_400_000;
const reminderUrl = /\/interaction\/[^/]+\/reminder$/;

describe('a grace period for 2FA enforcement', () => {
  let op: TestProvider;
  let produce: TestRp;
  let graceRoleId: string;

  beforeAll(async () => {
    op = await startTestProvider();
    produce = await discoverRp(op.config.issuer);
    graceRoleId = (
      await op.store.roles.create({ name: 'Finance', enforce2fa: true, enforce2faGraceDays: 7 })
    ).id;
  });
  afterAll(async () => op?.close());

  async function owedSinceOf(userId: string): Promise<Date> {
    const owedSince = (await op.store.users.findById(userId))?.twoFactorOwedSince;
    if (!owedSince) throw new Error('the grace period has not started');
    return owedSince;
  }

  async function signIn(user: { email: string; password: string }) {
    const browser = new HttpBrowser();
    const signedIn = await signInWithPassword(browser, produce, user.email, user.password);
    return { browser, ...signedIn };
  }

  it('reminds with a deadline fixed at the first sign-in; "Remind me later" signs in with the password only', async () => {
    const user = await createUser(op, { email: 'grace@example.com', roleIds: [graceRoleId] });
    const before = Date.now();
    const first = await signIn(user);
    expect(first.step.url).toMatch(reminderUrl);
    const owedSince = await owedSinceOf(user.id);
    expect(owedSince.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const deadline = new Date(owedSince.getTime() + 7 * DAY_MS);
    expect(first.step.html).toContain(
      `Set up two-factor authentication by ${formatMoment(deadline)}`,
    );
    expect(first.step.html).toContain('Set up now');
    expect(first.step.html).toContain('Remind me later');

    const later = await post(first.browser, produce, first.step, '/later', {});
    const claims = await claimsAt(produce, later.next, first.pending);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.acr).toBe(ACR_SINGLE);

    // Signing in again does not move the deadline.
    const second = await signIn(user);
    expect(second.step.url).toMatch(reminderUrl);
    expect(second.step.html).toContain(formatMoment(deadline));
    expect((await op.store.users.findById(user.id))?.twoFactorOwedSince).toEqual(owedSince);
  });

  it('"Set up now" leads to the set-up, which finishes with the codes and amr otp', async () => {
    const user = await createUser(op, { email: 'eager@example.com', roleIds: [graceRoleId] });
    const { browser, step, pending } = await signIn(user);
    expect(step.url).toMatch(reminderUrl);
    const setup = await open(browser, produce, step.url.replace(/reminder$/, 'enroll'));
    expect(isEnrollPage(setup)).toBe(true);
    expect(setup.html).toContain('Your role requires two-factor authentication by');
    const { app, step: done } = await finishEnrollment(browser, produce, setup);
    expect(app.recoveryCodes).toHaveLength(10);
    expect((await claimsAt(produce, done, pending)).amr).toEqual(['pwd', 'otp', 'mfa']);
    expect((await op.store.users.findById(user.id))?.twoFactorOwedSince).toBeNull();
  });

  it('makes enrollment mandatory once the deadline has passed', async () => {
    const user = await createUser(op, { email: 'late@example.com', roleIds: [graceRoleId] });
    await op.store.users.markTwoFactorOwed(user.id, new Date(Date.now() - 8 * DAY_MS));
    const { browser, step } = await signIn(user);
    expect(isEnrollPage(step)).toBe(true);
    expect(step.html).toContain('You cannot sign in until you set it up.');
    // "Remind me later" is no longer honoured.
    const reminder = await open(browser, produce, step.url.replace(/enroll$/, 'reminder'));
    expect(isEnrollPage(reminder)).toBe(true);
    const later = await browser.post(step.url.replace(/enroll$/, 'later'), {
      csrf: /name="csrf" value="([^"]+)"/.exec(step.html)?.[1] ?? '',
    });
    expect(later.status).toBe(303);
    expect(later.headers.get('location')).toMatch(/\/enroll$/);
    const next = new URL(later.headers.get('location') ?? '', step.url).toString();
    expect(isEnrollPage(await open(browser, produce, next))).toBe(true);
  });

  it('lets an existing password-only session through during grace, and not after', async () => {
    const user = await createUser(op, { email: 'session@example.com', roleIds: [graceRoleId] });
    const { browser, step, pending } = await signIn(user);
    const later = await post(browser, produce, step, '/later', {});
    await claimsAt(produce, later.next, pending);
    const silent = await authorizationRequest(produce, { prompt: 'none' });
    expect(atCallback(produce, await open(browser, produce, silent.url))).toBe(true);

    await op.store.users.clearTwoFactorOwed(user.id);
    await op.store.users.markTwoFactorOwed(user.id, new Date(Date.now() - 8 * DAY_MS));
    const after = await authorizationRequest(produce, { prompt: 'none' });
    const answer = await open(browser, produce, after.url);
    expect(answer.url.startsWith(produce.redirectUri)).toBe(true);
    expect(new URL(answer.url).searchParams.get('error')).toBe('unmet_authentication_requirements');
  });

  it('shows the deadline to the user on Profile and to admins on the edit-user page', async () => {
    const user = await createUser(op, { email: 'visible@example.com', roleIds: [graceRoleId] });
    const browser = new HttpBrowser();
    const page = await openConsole(browser, `${op.url}/account`, user);
    expect(page.url).toMatch(reminderUrl);
    const profile = await post(browser, produce, { ...page }, '/later', {});
    expect(profile.next.url).toContain('/account');
    const deadline = formatMoment(new Date((await owedSinceOf(user.id)).getTime() + 7 * DAY_MS));
    expect(profile.next.html).toContain(`Set it up by ${deadline}`);

    const adminRole = await op.store.roles.create({ name: 'Admins', admin: true });
    const admin = await createUserWithRoles(op, 'grace-admin@example.com', [adminRole.id]);
    const secret = await giveTwoFactor(op, admin.id);
    const edit = await openConsoleWithCode(
      new HttpBrowser(),
      `${op.url}/admin/users/${user.id}`,
      admin,
      secret,
    );
    expect(edit.html).toContain(`must set it up by ${deadline}`);
  });

  it('keeps today’s behaviour without a grace period: set up at the next sign-in', async () => {
    const strict = await op.store.roles.create({ name: 'Strict', enforce2fa: true });
    const user = await createUser(op, { email: 'no-grace@example.com', roleIds: [strict.id] });
    const { step } = await signIn(user);
    expect(isEnrollPage(step)).toBe(true);
    expect((await op.store.users.findById(user.id))?.twoFactorOwedSince).toBeNull();
  });

  it('takes the strictest grace period of several enforcing roles', async () => {
    const strict = await op.store.roles.create({ name: 'Strict2', enforce2fa: true });
    const user = await createUser(op, {
      email: 'two-roles@example.com',
      roleIds: [graceRoleId, strict.id],
    });
    const { step } = await signIn(user);
    expect(isEnrollPage(step)).toBe(true);
  });
});
