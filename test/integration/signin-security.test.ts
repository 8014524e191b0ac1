/**
 * "A stolen password is never enough": what a user relies on when someone else knows their
 * password. Real providers on 127.0.0.1, real HTTP, openid-client as the relying party.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { totpCodeAt } from '../../src/domain/totp.ts';
import type { Role } from '../../src/store/repos/roles.repo.ts';
import { adminApiClient, adminApiToken } from '../support/admin-api.ts';
import { signInToConsole } from '../support/admin-pages.ts';
import { openConsole, postForm, type Page } from '../support/console.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { formAction, hiddenInput, HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  authorizationRequest,
  discoverRp,
  open,
  signInWithPassword,
  submit,
  type Step,
  type TestRp,
} from '../support/relying-party.ts';
import {
  ACR_MULTI,
  ACR_SINGLE,
  Authenticator,
  claimsAt,
  createUserWithTwoFactor,
  enrollFromProfile,
  finishEnrollment,
  isEnrollPage,
  isLoginPage,
  isOtpPage,
  post,
  secretFromPage,
} from '../support/two-factor.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const SECRET_ON_PAGE = 'id="secret"';
const INVALID_PASSWORD = 'Invalid email or password.';

type TestUser = Awaited<ReturnType<typeof createUser>>;

/** A browser that keeps every request it made, to count the hops of a sign-in. */
class CountingBrowser extends HttpBrowser {
  readonly requests: string[] = [];
  override async request(url: string, init: RequestInit = {}): Promise<Response> {
    this.requests.push(`${init.method ?? 'GET'} ${url}`);
    return super.request(url, init);
  }
}

/** A raw answer to a POST we make without following its redirect. */
interface Answer {
  status: number;
  location: string | null;
  retryAfter: string | null;
  html: string;
}

async function postRaw(
  browser: HttpBrowser,
  url: string,
  fields: Record<string, string>,
): Promise<Answer> {
  const response = await browser.post(url, fields);
  return {
    status: response.status,
    location: response.headers.get('location'),
    retryAfter: response.headers.get('retry-after'),
    html: await response.text(),
  };
}

function isClientError(status: number): boolean {
  return status >= 400 && status < 500;
}

/** The interaction path of a step on one of our sign-in pages (`/interaction/<uid>/...`). */
function interactionUrl(step: Step, suffix: string): string {
  const uid = /\/interaction\/([^/?#]+)/.exec(step.url)?.[1];
  if (!uid) throw new Error(`not an interaction page: ${step.status} ${step.url}`);
  return new URL(`/interaction/${uid}/${suffix}`, step.url).toString();
}

/** Creates a user and turns 2FA on from their Profile before giving them any roles. */
async function userWithTwoFactorAndRoles(
  op: TestProvider,
  email: string,
  roleIds: string[],
): Promise<TestUser & { app: Authenticator }> {
  const user = await createUser(op, { email });
  const app = await enrollFromProfile(op, user);
  for (const roleId of roleIds) await op.store.users.addRole(user.id, roleId);
  return { ...user, app };
}

/** Signs in to a console page (/account, /admin) with password and a code in a new browser. */
async function consoleWithCode(
  op: TestProvider,
  path: string,
  user: { email: string; password: string; app: Authenticator },
): Promise<{ browser: HttpBrowser; page: Page }> {
  const { browser, page } = await signInToConsole(op.url, path, user);
  if (!/\/interaction\/[^/]+\/otp$/.test(page.url)) {
    throw new Error(`expected the code page, got ${page.status} ${page.url}`);
  }
  const done = await postForm(browser, page, '/otp', { code: await user.app.next() });
  if (done.url !== `${op.url}${path}`) {
    throw new Error(`console sign-in did not finish: ${done.status} ${done.url}`);
  }
  return { browser, page: done };
}

async function twoFactorOn(op: TestProvider, userId: string): Promise<boolean> {
  return ((await op.services.totp.status(userId)) ?? null) !== null;
}

describe('a password alone never sets up or passes the second factor', () => {
  let op: TestProvider;
  let produce: TestRp;

  beforeAll(async () => {
    op = await startTestProvider();
    produce = await discoverRp(op.config.issuer);
  });
  afterAll(async () => op?.close());

  it('1. enrollment hijack: an attacker with the password is never shown a secret, and cannot pass the code the user set up later', async () => {
    const user = await createUser(op, { email: 'victim@example.com' });
    const seen: string[] = [];

    // The attacker asks for multi-factor: no enrollment page, a single-factor sign-in.
    const attacker = new HttpBrowser();
    const pending = await authorizationRequest(produce, { acr_values: ACR_MULTI });
    const login = await open(attacker, produce, pending.url);
    seen.push(login.html);
    expect(isLoginPage(login)).toBe(true);
    const after = await submit(attacker, produce, login, '/login', {
      email: user.email,
      password: user.password,
    });
    seen.push(after.html);
    expect(isEnrollPage(after)).toBe(false);
    expect(after.url).not.toMatch(/\/enroll$/);
    const claims = await claimsAt(produce, after, pending);
    expect(claims.acr).toBe(ACR_SINGLE);
    expect(claims.amr).toEqual(['pwd']);

    // The real user turns 2FA on from Profile.
    const app = await enrollFromProfile(op, user);
    expect(await twoFactorOn(op, user.id)).toBe(true);

    // The attacker comes back with the password in a new browser: the code page, no secret.
    const again = new HttpBrowser();
    const second = await signInWithPassword(again, produce, user.email, user.password, {
      acr_values: ACR_MULTI,
    });
    seen.push(second.step.html);
    expect(isOtpPage(second.step)).toBe(true);
    const guess = await post(again, produce, second.step, '/otp', { code: app.wrong() });
    seen.push(guess.next.html);
    expect(isClientError(guess.response.status)).toBe(true);
    expect(atCallback(produce, guess.next)).toBe(false);
    // Resuming the authorization without the code issues nothing.
    const resumed = await open(again, produce, second.pending.url);
    seen.push(resumed.html);
    expect(atCallback(produce, resumed)).toBe(false);

    // The attacker's old password-only session does not pass either.
    const oldSession = await authorizationRequest(produce);
    const fromOld = await open(attacker, produce, oldSession.url);
    seen.push(fromOld.html);
    expect(atCallback(produce, fromOld)).toBe(false);
    expect(isOtpPage(fromOld)).toBe(true);

    for (const html of seen) expect(html).not.toContain(SECRET_ON_PAGE);
  }, 120_000);

  it('1. enrollment hijack under an enforcing role: the secret the attacker saw is not the one the user enrolls, and its codes open nothing', async () => {
    const role = await op.store.roles.create({ name: 'hijack-guard', enforce2fa: true });
    const user = await createUser(op, { email: 'enforced-victim@example.com', roleIds: [role.id] });

    const attacker = new HttpBrowser();
    const { step: attackerPage, pending } = await signInWithPassword(
      attacker,
      produce,
      user.email,
      user.password,
    );
    expect(isEnrollPage(attackerPage)).toBe(true);
    const s1 = secretFromPage(attackerPage.html);

    // The real user sets 2FA up in their own browser (the role sends them through the
    // mandatory enrollment at sign-in, or they use Profile's "Enable" page).
    const own = new HttpBrowser();
    const page = await openConsole(own, `${op.url}/account/2fa/enable`, user);
    const s2 = secretFromPage(page.html);
    const app = new Authenticator(s2, op.config.totp.window);
    const action = page.url.endsWith('/account/2fa/enable') ? '/account/2fa/enable' : '/enroll';
    if (action === '/enroll') expect(page.url).toMatch(/\/interaction\/[^/]+\/enroll$/);
    const enrolled = await postForm(own, page, action, { code: await app.next() });
    expect(enrolled.html).toContain('I have saved these codes');
    const done = action === '/enroll' ? await postForm(own, enrolled, '/continue', {}) : enrolled;
    expect(done.url).toContain(`${op.url}/account`);
    expect(await twoFactorOn(op, user.id)).toBe(true);
    expect(s2).not.toBe(s1);

    // The attacker finishes their enrollment page with a code of S1: refused, nothing issued.
    const hijack = await post(attacker, produce, attackerPage, '/enroll', {
      code: totpCodeAt(s1, Date.now()),
    });
    expect(isClientError(hijack.response.status)).toBe(true);
    expect(atCallback(produce, hijack.next)).toBe(false);
    expect(atCallback(produce, await open(attacker, produce, pending.url))).toBe(false);

    // A new sign-in asks for the code of the user's app; S1's codes are not it.
    const browser = new HttpBrowser();
    const third = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isOtpPage(third.step)).toBe(true);
    const s1Code = await post(browser, produce, third.step, '/otp', {
      code: totpCodeAt(s1, Date.now()),
    });
    expect(isClientError(s1Code.response.status)).toBe(true);
    expect(atCallback(produce, s1Code.next)).toBe(false);
  }, 120_000);

  it('2. acr_values for multi-factor signs a user without 2FA in with the password only, and says so', async () => {
    const user = await createUser(op, { email: 'acr-only@example.com' });
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(
      browser,
      produce,
      user.email,
      user.password,
      { acr_values: ACR_MULTI },
    );
    expect(isEnrollPage(step)).toBe(false);
    expect(step.html).not.toContain(SECRET_ON_PAGE);
    const claims = await claimsAt(produce, step, pending);
    expect(claims.acr).toBe(ACR_SINGLE);
    expect(claims.amr).toEqual(['pwd']);
    expect(await op.services.totp.status(user.id)).toBeNull();
  });

  it('9. an essential acr in the claims parameter signs a user with 2FA in without a loop, and refuses one without 2FA', async () => {
    const claimsParam = JSON.stringify({
      id_token: { acr: { essential: true, value: ACR_MULTI } },
    });
    const user = await createUserWithTwoFactor(op, produce, { email: 'essential@example.com' });
    const browser = new CountingBrowser();
    const pending = await authorizationRequest(produce, { claims: claimsParam });
    const login = await open(browser, produce, pending.url);
    expect(isLoginPage(login)).toBe(true);
    const otp = await submit(browser, produce, login, '/login', {
      email: user.email,
      password: user.password,
    });
    expect(isOtpPage(otp)).toBe(true);
    const { next } = await post(browser, produce, otp, '/otp', { code: await user.app.next() });
    const claims = await claimsAt(produce, next, pending);
    expect(claims.acr).toBe(ACR_MULTI);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    // GET /auth, login page, POST password, code page, POST code, resume to the callback.
    expect(browser.requests.length).toBeLessThanOrEqual(6);
    const loginPages = browser.requests.filter((r) => /^GET \S+\/interaction\/[^/]+$/.test(r));
    expect(loginPages).toHaveLength(1);

    const plain = await createUser(op, { email: 'essential-plain@example.com' });
    const other = new HttpBrowser();
    const refused = await signInWithPassword(other, produce, plain.email, plain.password, {
      claims: claimsParam,
    });
    expect(refused.step.url.startsWith(produce.redirectUri)).toBe(true);
    const query = new URL(refused.step.url).searchParams;
    expect(query.get('error')).toBe('unmet_authentication_requirements');
    expect(query.has('code')).toBe(false);
    expect(query.get('state')).toBe(refused.pending.state);
    expect(await op.services.totp.status(plain.id)).toBeNull();
  }, 120_000);

  it('10. prompt=none answers unmet_authentication_requirements to a password-only session that owes a code, and login_required without a session', async () => {
    const user = await createUser(op, { email: 'silent@example.com' });
    const browser = new HttpBrowser();
    const first = await signInWithPassword(browser, produce, user.email, user.password);
    expect((await claimsAt(produce, first.step, first.pending)).amr).toEqual(['pwd']);
    await enrollFromProfile(op, user);

    const silent = await authorizationRequest(produce, { prompt: 'none' });
    const step = await open(browser, produce, silent.url);
    expect(step.url.startsWith(produce.redirectUri)).toBe(true);
    const query = new URL(step.url).searchParams;
    expect(query.get('error')).toBe('unmet_authentication_requirements');
    expect(query.has('code')).toBe(false);

    const anonymous = await authorizationRequest(produce, { prompt: 'none' });
    const none = await open(new HttpBrowser(), produce, anonymous.url);
    expect(none.url.startsWith(produce.redirectUri)).toBe(true);
    expect(new URL(none.url).searchParams.get('error')).toBe('login_required');
  }, 120_000);
});

describe('password guessing is throttled per account (PASSWORD_FREE_FAILURES=5, 30 s)', () => {
  let op: TestProvider;
  let produce: TestRp;

  beforeAll(async () => {
    op = await startTestProvider({
      env: { PASSWORD_FREE_FAILURES: '5', PASSWORD_BASE_DELAY_SECONDS: '30' },
    });
    produce = await discoverRp(op.config.issuer);
  });
  afterAll(async () => op?.close());

  /** A login page in a new browser: where to post and with which CSRF token. */
  async function loginForm(): Promise<{ browser: HttpBrowser; url: string; csrf: string }> {
    const browser = new HttpBrowser();
    const pending = await authorizationRequest(produce);
    const page = await open(browser, produce, pending.url);
    if (!isLoginPage(page)) throw new Error(`no login page: ${page.status} ${page.url}`);
    return {
      browser,
      url: new URL(formAction(page.html, '/login'), page.url).toString(),
      csrf: hiddenInput(page.html, 'csrf'),
    };
  }

  /** Posts `count` wrong passwords for `email`; the answers in order. */
  async function wrongPasswords(email: string, count: number): Promise<Answer[]> {
    const form = await loginForm();
    const answers: Answer[] = [];
    for (let i = 0; i < count; i++) {
      answers.push(
        await postRaw(form.browser, form.url, {
          csrf: form.csrf,
          email,
          password: `wrong-password-${i}`,
        }),
      );
    }
    return answers;
  }

  function expectThrottled(answer: Answer): void {
    expect(answer.status).toBe(429);
    expect(answer.html).toContain('Too many');
    expect(Number(answer.retryAfter)).toBeGreaterThan(0);
  }

  it('3. answers 401 five times, then 429 with Retry-After, also to the right password; another account signs in meanwhile', async () => {
    const a = await createUser(op, { email: 'guessed@example.com' });
    const b = await createUser(op, { email: 'bystander@example.com' });
    const started = Date.now();
    const answers = await wrongPasswords(a.email, 100);
    // All 100 attempts fell inside the first 30-second delay (else the test proves nothing).
    expect(Date.now() - started).toBeLessThan(30_000);
    answers.slice(0, 5).forEach((answer) => {
      expect(answer.status).toBe(401);
      expect(answer.html).toContain(INVALID_PASSWORD);
    });
    answers.slice(5).forEach(expectThrottled);

    // The right password during the delay is held back too.
    const form = await loginForm();
    const right = await postRaw(form.browser, form.url, {
      csrf: form.csrf,
      email: a.email,
      password: a.password,
    });
    expectThrottled(right);
    expect(right.location).toBeNull();

    // Another account signs in from the same address.
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, b.email, b.password);
    expect(atCallback(produce, step)).toBe(true);
    expect((await claimsAt(produce, step, pending)).sub).toBe(b.id);
  }, 120_000);

  it('3. gives an unknown email the same answers as a known one', async () => {
    const started = Date.now();
    const answers = await wrongPasswords('nobody-here@example.com', 8);
    expect(Date.now() - started).toBeLessThan(30_000);
    answers.slice(0, 5).forEach((answer) => {
      expect(answer.status).toBe(401);
      expect(answer.html).toContain(INVALID_PASSWORD);
    });
    answers.slice(5).forEach(expectThrottled);
  }, 60_000);

  it('4. throttles the current-password check of the Profile password change', async () => {
    const user = await createUser(op, { email: 'profile-pw@example.com' });
    const browser = new HttpBrowser();
    const profile = await openConsole(browser, `${op.url}/account`, user);
    expect(profile.url).toBe(`${op.url}/account`);
    const action = new URL(formAction(profile.html, '/account/password'), profile.url).toString();
    const csrf = hiddenInput(profile.html, 'csrf');
    const newPassword = 'a brand new passphrase 42';
    const hashBefore = (await op.store.users.findById(user.id))?.passwordHash;
    expect(hashBefore).toBeTruthy();

    const started = Date.now();
    for (let i = 0; i < 5; i++) {
      const wrong = await postRaw(browser, action, {
        csrf,
        current: `not-my-password-${i}`,
        password: newPassword,
      });
      expect(isClientError(wrong.status)).toBe(true);
      expect(wrong.status).not.toBe(429);
    }
    const sixth = await postRaw(browser, action, {
      csrf,
      current: 'not-my-password-6',
      password: newPassword,
    });
    expect(sixth.status).toBe(429);
    const right = await postRaw(browser, action, {
      csrf,
      current: user.password,
      password: newPassword,
    });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(right.status).toBe(429);
    // The password did not change.
    expect((await op.store.users.findById(user.id))?.passwordHash).toBe(hashBefore);
  }, 60_000);
});

describe('password guessing is throttled per address, and successes never add up (ADDRESS_FREE_FAILURES=3)', () => {
  let op: TestProvider;
  let produce: TestRp;

  beforeAll(async () => {
    op = await startTestProvider({ env: { ADDRESS_FREE_FAILURES: '3' } });
    produce = await discoverRp(op.config.issuer);
  });
  afterAll(async () => op?.close());

  it('lets one address sign in many times, then slows it down after 3 wrong passwords across accounts', async () => {
    const user = await createUser(op, { email: 'regular@example.com' });
    for (let i = 0; i < 8; i++) {
      const { step } = await signInWithPassword(
        new HttpBrowser(),
        produce,
        user.email,
        user.password,
      );
      expect(atCallback(produce, step)).toBe(true);
    }
    for (const email of ['spray-1@example.com', 'spray-2@example.com', 'spray-3@example.com']) {
      const { step } = await signInWithPassword(
        new HttpBrowser(),
        produce,
        email,
        'not-the-password',
      );
      expect(step.status).toBe(401);
    }
    const { step } = await signInWithPassword(
      new HttpBrowser(),
      produce,
      user.email,
      user.password,
    );
    expect(step.status).toBe(429);
    expect(step.html).toContain('Too many');
  });
});

describe('turning 2FA off from Profile', () => {
  let op: TestProvider;
  let produce: TestRp;
  let enforcing: Role;

  beforeAll(async () => {
    op = await startTestProvider();
    produce = await discoverRp(op.config.issuer);
    enforcing = await op.store.roles.create({ name: 'payroll', enforce2fa: true });
  });
  afterAll(async () => op?.close());

  it('5. refuses the password alone, and turns 2FA off with a current code', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'disable-me@example.com' });
    const { browser, page } = await consoleWithCode(op, '/account', user);
    expect(page.html).toContain('href="/account/2fa/disable"');
    const csrf = hiddenInput(page.html, 'csrf');
    const url = `${op.url}/account/2fa/disable`;

    const passwordOnly = await postRaw(browser, url, {
      csrf,
      confirm: 'yes',
      password: user.password,
    });
    expect(isClientError(passwordOnly.status)).toBe(true);
    expect(await twoFactorOn(op, user.id)).toBe(true);
    const profile = await openConsole(browser, `${op.url}/account`);
    expect(profile.html).toContain('href="/account/2fa/disable"');

    const withCode = await postRaw(browser, url, {
      csrf,
      confirm: 'yes',
      code: await user.app.next(),
    });
    expect(withCode.status).toBeLessThan(400);
    expect(await twoFactorOn(op, user.id)).toBe(false);
  }, 120_000);

  it('6. offers no Disable while a role enforces 2FA, says why, and refuses the POST with 403', async () => {
    const user = await userWithTwoFactorAndRoles(op, 'enforced-keep@example.com', [enforcing.id]);
    const { browser, page } = await consoleWithCode(op, '/account', user);
    expect(page.html).not.toContain('/account/2fa/disable');
    expect(page.html).toContain('requires');
    const refused = await postRaw(browser, `${op.url}/account/2fa/disable`, {
      csrf: hiddenInput(page.html, 'csrf'),
      confirm: 'yes',
      code: await user.app.next(),
    });
    expect(refused.status).toBe(403);
    expect(await twoFactorOn(op, user.id)).toBe(true);
  }, 120_000);
});

describe('an admin unlocks a second-factor hard stop (OTP_HARD_STOP_FAILURES=4)', () => {
  let op: TestProvider;
  let produce: TestRp;
  let script: TestRp;
  let admin: TestUser & { app: Authenticator };
  let adminBrowser: HttpBrowser;
  let enforcing: Role;

  beforeAll(async () => {
    op = await startTestProvider({
      env: {
        OTP_FREE_FAILURES: '2',
        OTP_BASE_DELAY_SECONDS: '1',
        OTP_MAX_DELAY_SECONDS: '1',
        OTP_HARD_STOP_FAILURES: '4',
      },
    });
    produce = await discoverRp(op.config.issuer);
    script = await adminApiClient(op);
    const adminRole = await op.store.roles.create({
      name: 'security-admin',
      admin: true,
      enforce2fa: true,
    });
    enforcing = await op.store.roles.create({ name: 'vault', enforce2fa: true });
    admin = await userWithTwoFactorAndRoles(op, 'unlocker@example.com', [adminRole.id]);
    adminBrowser = (await consoleWithCode(op, '/admin', admin)).browser;
  }, 120_000);
  afterAll(async () => op?.close());

  /** Posts wrong codes (spaced past the 1-second delay) until the hard stop; its answer. */
  async function untilHardStop(
    browser: HttpBrowser,
    step: Step,
    suffix: 'otp' | 'enroll',
    wrong: string,
  ): Promise<Answer> {
    const url = interactionUrl(step, suffix);
    const csrf = hiddenInput(step.html, 'csrf');
    for (let attempt = 0; attempt < 12; attempt++) {
      const answer = await postRaw(browser, url, { csrf, code: wrong });
      expect(answer.location).toBeNull();
      if (/ask an administrator/i.test(answer.html)) return answer;
      await sleep(1200);
    }
    throw new Error('no hard stop after 12 wrong codes');
  }

  function expectHardStop(answer: Answer): void {
    expect(answer.status).toBe(429);
    expect(answer.html).toMatch(/locked/i);
    expect(answer.html).toMatch(/ask an administrator/i);
  }

  /** The edit-user page up to its audit trail (whose times are not the lock's). */
  async function editPage(userId: string): Promise<Page> {
    const page = await openConsole(adminBrowser, `${op.url}/admin/users/${userId}`);
    expect(page.status).toBe(200);
    expect(page.url).toBe(`${op.url}/admin/users/${userId}`);
    return page;
  }

  function beforeAudit(html: string): string {
    const end = html.indexOf('<h2>Audit trail');
    return end < 0 ? html : html.slice(0, end);
  }

  function expectLockShown(page: Page, userId: string): void {
    const top = beforeAudit(page.html);
    const at = top.indexOf('Locked');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(top.slice(at, at + 400)).toMatch(/\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}/);
    expect(page.html).toContain(`action="/admin/users/${userId}/unlock"`);
    expect(page.html).toContain('Unlock');
  }

  function expectNoLockShown(page: Page, userId: string): void {
    expect(beforeAudit(page.html)).not.toContain('Locked');
    expect(page.html).not.toContain(`action="/admin/users/${userId}/unlock"`);
  }

  async function unlockFromPage(userId: string): Promise<void> {
    const page = await editPage(userId);
    expectLockShown(page, userId);
    const after = await postForm(adminBrowser, page, `/admin/users/${userId}/unlock`, {});
    expect(after.status).toBe(200);
    expectNoLockShown(await editPage(userId), userId);
  }

  /** Wrong codes at the code page until the hard stop; then the right code is refused too. */
  async function lockOut(user: TestUser & { app: Authenticator }): Promise<void> {
    const browser = new HttpBrowser();
    const { step } = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isOtpPage(step)).toBe(true);
    expectHardStop(await untilHardStop(browser, step, 'otp', user.app.wrong()));
    const right = await postRaw(browser, interactionUrl(step, 'otp'), {
      csrf: hiddenInput(step.html, 'csrf'),
      code: await user.app.next(),
    });
    expectHardStop(right);
    expect(right.location).toBeNull();
  }

  async function signsInWithCode(user: { email: string; password: string; app: Authenticator }) {
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isOtpPage(step)).toBe(true);
    const { next } = await post(browser, produce, step, '/otp', { code: await user.app.next() });
    expect((await claimsAt(produce, next, pending)).amr).toEqual(['pwd', 'otp', 'mfa']);
  }

  it('7a. a user with 2FA locked at the code page is unlocked from the edit-user page and signs in', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'locked-otp@example.com' });
    expectNoLockShown(await editPage(user.id), user.id);
    await lockOut(user);

    await unlockFromPage(user.id);
    await signsInWithCode(user);
  }, 180_000);

  it('7b. a user stuck at the hard stop while enrolling at sign-in (2FA off) is unlocked too', async () => {
    const user = await createUser(op, {
      email: 'locked-enroll@example.com',
      roleIds: [enforcing.id],
    });
    const browser = new HttpBrowser();
    const { step } = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isEnrollPage(step)).toBe(true);
    const secret = secretFromPage(step.html);
    const setup = new Authenticator(secret, op.config.totp.window);
    expectHardStop(await untilHardStop(browser, step, 'enroll', setup.wrong()));
    const right = await postRaw(browser, interactionUrl(step, 'enroll'), {
      csrf: hiddenInput(step.html, 'csrf'),
      code: await setup.next(),
    });
    expectHardStop(right);
    expect(await twoFactorOn(op, user.id)).toBe(false);

    await unlockFromPage(user.id);
    expect(await twoFactorOn(op, user.id)).toBe(false);

    const fresh = new HttpBrowser();
    const again = await signInWithPassword(fresh, produce, user.email, user.password);
    expect(isEnrollPage(again.step)).toBe(true);
    const done = await finishEnrollment(fresh, produce, again.step, op.config.totp.window);
    expect((await claimsAt(produce, done.step, again.pending)).amr).toEqual(['pwd', 'otp', 'mfa']);
  }, 180_000);

  it('7c. the admin API unlocks a user: POST /admin/api/users/{id}/unlock', async () => {
    const token = await adminApiToken(script, `${op.config.issuer}/admin/api`, admin);

    const user = await createUserWithTwoFactor(op, produce, { email: 'locked-api@example.com' });
    await lockOut(user);
    const response = await fetch(`${op.config.issuer}/admin/api/users/${user.id}/unlock`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expectNoLockShown(await editPage(user.id), user.id);
    await signsInWithCode(user);
  }, 180_000);
});

describe('admins always need a second factor', () => {
  let op: TestProvider;
  let script: TestRp;
  let lax: Role;

  beforeAll(async () => {
    op = await startTestProvider();
    script = await adminApiClient(op);
    lax = await op.store.roles.create({ name: 'lax-admin', admin: true, enforce2fa: false });
  });
  afterAll(async () => op?.close());

  it('8. sends an admin without 2FA to mandatory enrollment, never to an admin page or an admin token', async () => {
    const user = await createUser(op, { email: 'lax-admin@example.com', roleIds: [lax.id] });
    const { browser, page } = await signInToConsole(op.url, '/admin', user);
    expect(page.status).toBe(200);
    expect(page.url).toMatch(/\/interaction\/[^/]+\/enroll$/);
    expect(page.html).not.toContain('Administration');
    const admin = await browser.follow(`${op.url}/admin`);
    expect(admin.url).not.toBe(`${op.url}/admin`);
    expect(await admin.response.text()).not.toContain('Administration');

    const tokenBrowser = new HttpBrowser();
    const { step } = await signInWithPassword(tokenBrowser, script, user.email, user.password, {
      scope: 'openid admin',
      resource: `${op.config.issuer}/admin/api`,
    });
    expect(atCallback(script, step)).toBe(false);
    expect(isEnrollPage(step)).toBe(true);
    expect(await op.services.totp.status(user.id)).toBeNull();
  }, 120_000);

  it('8. lets an admin with 2FA into /admin only after the code', async () => {
    const user = await userWithTwoFactorAndRoles(op, 'strict-admin@example.com', [lax.id]);
    const { browser, page } = await signInToConsole(op.url, '/admin', user);
    expect(page.url).toMatch(/\/interaction\/[^/]+\/otp$/);
    const early = await browser.follow(`${op.url}/admin`);
    expect(early.url).not.toBe(`${op.url}/admin`);
    expect(await early.response.text()).not.toContain('Administration');

    const fresh = await signInToConsole(op.url, '/admin', user);
    expect(fresh.page.url).toMatch(/\/interaction\/[^/]+\/otp$/);
    const done = await postForm(fresh.browser, fresh.page, '/otp', { code: await user.app.next() });
    expect(done.status).toBe(200);
    expect(done.url).toBe(`${op.url}/admin`);
    expect(done.html).toContain('Administration');
  }, 120_000);
});
