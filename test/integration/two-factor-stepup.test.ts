import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  authorizationRequest,
  discoverRp,
  open,
  signInWithPassword,
  submit,
  type TestRp,
} from '../support/relying-party.ts';
import { createUser } from '../support/fixtures.ts';
import {
  ACR_MULTI,
  ACR_SINGLE,
  claimsAt,
  createUserWithTwoFactor,
  enrollFromProfile,
  finishEnrollment,
  isEnrollPage,
  isLoginPage,
  isOtpPage,
  post,
} from '../support/two-factor.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('step-up of an existing SSO session', () => {
  let op: TestProvider;
  let produce: TestRp;
  let manage: TestRp;

  beforeAll(async () => {
    op = await startTestProvider();
    produce = await discoverRp(op.config.issuer);
    manage = await discoverRp(op.config.issuer, 'manage');
  });
  afterAll(async () => op?.close());

  /** A password-only SSO session in a new browser. */
  async function passwordSession(user: { email: string; password: string }) {
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    const claims = await claimsAt(produce, step, pending);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.acr).toBe(ACR_SINGLE);
    return { browser, authTime: claims.auth_time as number };
  }

  it('reuses a password-only session silently while nothing more is needed', async () => {
    const user = await createUser(op, { email: 'sso@example.com' });
    const { browser } = await passwordSession(user);
    const pending = await authorizationRequest(manage);
    const step = await open(browser, manage, pending.url);
    const claims = await claimsAt(manage, step, pending);
    expect(claims.amr).toEqual(['pwd']);
  });

  it('sends the session to enrollment when an admin adds an enforcing role, and issues nothing before it', async () => {
    const user = await createUser(op, { email: 'promoted@example.com' });
    const { browser, authTime } = await passwordSession(user);
    const role = await op.store.roles.create({ name: 'treasury', enforce2fa: true });
    await op.store.users.addRole(user.id, role.id);

    const pending = await authorizationRequest(manage);
    const step = await open(browser, manage, pending.url);
    expect(atCallback(manage, step)).toBe(false);
    expect(isEnrollPage(step)).toBe(true); // no password asked again: the session's still counts
    expect(step.html).toContain('Your role requires two-factor authentication.');

    // Opening the same request again still does not reach the callback.
    expect(atCallback(manage, await open(browser, manage, pending.url))).toBe(false);
    const again = await authorizationRequest(manage);
    const page = await open(browser, manage, again.url);
    expect(isEnrollPage(page)).toBe(true);

    const done = await finishEnrollment(browser, manage, page);
    const claims = await claimsAt(manage, done.step, again);
    expect(claims.sub).toBe(user.id);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe(ACR_MULTI);
    expect(claims.auth_time as number).toBeGreaterThanOrEqual(authTime);

    // The session now carries the second factor: the next request goes straight through.
    const later = await authorizationRequest(produce);
    expect((await claimsAt(produce, await open(browser, produce, later.url), later)).amr).toEqual([
      'pwd',
      'otp',
      'mfa',
    ]);
  });

  it('asks for the code when a user with 2FA has a password-only session', async () => {
    // The session was made before 2FA was on (2FA turned on elsewhere afterwards).
    const user = await createUser(op, { email: 'laterotp@example.com' });
    const { browser } = await passwordSession(user);
    const app = await enrollFromProfile(op, user);

    const pending = await authorizationRequest(manage);
    const step = await open(browser, manage, pending.url);
    expect(isOtpPage(step)).toBe(true);
    const { next } = await post(browser, manage, step, '/otp', { code: await app.next() });
    expect((await claimsAt(manage, next, pending)).amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('signs a user without 2FA in with the password only when the RP merely prefers multi-factor (acr_values), and says so in acr', async () => {
    const plain = await createUser(op, { email: 'acr-plain@example.com' });
    const { browser } = await passwordSession(plain);
    const pending = await authorizationRequest(manage, { acr_values: ACR_MULTI });
    const step = await open(browser, manage, pending.url);
    expect(isEnrollPage(step)).toBe(false);
    const claims = await claimsAt(manage, step, pending);
    expect(claims.acr).toBe(ACR_SINGLE);
    expect(claims.amr).toEqual(['pwd']);
  });

  it('does not ask again when the session already has the second factor and acr_values asks for it', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'acr-otp@example.com' });
    const browser = new HttpBrowser();
    const first = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isOtpPage(first.step)).toBe(true);
    const { next } = await post(browser, produce, first.step, '/otp', {
      code: await user.app.next(),
    });
    expect(atCallback(produce, next)).toBe(true);
    const pending = await authorizationRequest(manage, { acr_values: ACR_MULTI });
    const step = await open(browser, manage, pending.url);
    const claims = await claimsAt(manage, step, pending);
    expect(claims.acr).toBe(ACR_MULTI);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('honours max_age=0 by asking for the password again (and then the code)', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'maxage@example.com' });
    const browser = new HttpBrowser();
    const first = await signInWithPassword(browser, produce, user.email, user.password);
    const one = await post(browser, produce, first.step, '/otp', { code: await user.app.next() });
    const firstClaims = await claimsAt(produce, one.next, first.pending);

    await sleep(1100); // auth_time has second resolution
    const pending = await authorizationRequest(manage, { max_age: '0' });
    const page = await open(browser, manage, pending.url);
    expect(isLoginPage(page)).toBe(true);
    const afterPassword = await submit(browser, manage, page, '/login', {
      email: user.email,
      password: user.password,
    });
    expect(isOtpPage(afterPassword)).toBe(true);
    const two = await post(browser, manage, afterPassword, '/otp', { code: await user.app.next() });
    const claims = await claimsAt(manage, two.next, pending);
    expect(claims.auth_time as number).toBeGreaterThan(firstClaims.auth_time as number);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('honours a small max_age once it has passed, and not before', async () => {
    const user = await createUser(op, { email: 'maxage2@example.com' });
    const { browser } = await passwordSession(user);
    const fresh = await authorizationRequest(manage, { max_age: '60' });
    expect(atCallback(manage, await open(browser, manage, fresh.url))).toBe(true);
    await sleep(2100);
    const stale = await authorizationRequest(manage, { max_age: '1' });
    expect(isLoginPage(await open(browser, manage, stale.url))).toBe(true);
  });
});

describe('a client that requires 2FA (PRODUCE_REQUIRE_MFA=true)', () => {
  let op: TestProvider;
  let produce: TestRp;
  let manage: TestRp;

  beforeAll(async () => {
    op = await startTestProvider({ env: { PRODUCE_REQUIRE_MFA: 'true' } });
    produce = await discoverRp(op.config.issuer);
    manage = await discoverRp(op.config.issuer, 'manage');
  });
  afterAll(async () => op?.close());

  it('sends a user without 2FA to enrollment at sign-in', async () => {
    const user = await createUser(op, { email: 'client-mfa@example.com' });
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isEnrollPage(step)).toBe(true);
    const done = await finishEnrollment(browser, produce, step);
    const claims = await claimsAt(produce, done.step, pending);
    expect(claims.acr).toBe(ACR_MULTI);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('steps up a password-only session made at another client', async () => {
    const user = await createUser(op, { email: 'client-stepup@example.com' });
    const browser = new HttpBrowser();
    const first = await signInWithPassword(browser, manage, user.email, user.password);
    expect((await claimsAt(manage, first.step, first.pending)).amr).toEqual(['pwd']);
    const pending = await authorizationRequest(produce);
    const step = await open(browser, produce, pending.url);
    expect(atCallback(produce, step)).toBe(false);
    expect(isEnrollPage(step)).toBe(true);
    const done = await finishEnrollment(browser, produce, step);
    expect((await claimsAt(produce, done.step, pending)).amr).toEqual(['pwd', 'otp', 'mfa']);
  });
});
