import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { hashRecoveryCode } from '../../src/domain/recovery-codes.ts';
import { timeStep } from '../../src/domain/totp.ts';
import { giveTwoFactor } from '../support/admin-pages.ts';
import { openConsole, postForm } from '../support/console.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  discoverRp,
  open,
  signInWithPassword,
  type Step,
  type TestRp,
} from '../support/relying-party.ts';
import {
  ACR_MULTI,
  Authenticator,
  claimsAt,
  createUserWithTwoFactor,
  finishEnrollment,
  isOtpPage,
  post,
  recoveryCodesFromPage,
  secretFromPage,
} from '../support/two-factor.ts';

const CODE_SHAPE = /^[0-9a-hjkmnp-tv-z]{5}-[0-9a-hjkmnp-tv-z]{5}$/;

describe('recovery codes', () => {
  let op: TestProvider;
  let produce: TestRp;

  beforeAll(async () => {
    op = await startTestProvider({ env: { OTP_FREE_FAILURES: '5' } });
    produce = await discoverRp(op.config.issuer);
  });
  afterAll(async () => op?.close());

  /** Signs in with the password and opens "Use a recovery code" from the code page. */
  async function recoveryPage(user: { email: string; password: string }) {
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isOtpPage(step)).toBe(true);
    expect(step.html).toContain('Use a recovery code');
    const page = await open(browser, produce, step.url.replace(/otp$/, 'recovery'));
    expect(page.html).toContain('Recovery code');
    return { browser, page, pending };
  }

  /** Signs in to Profile with the password and the next code of the user's app. */
  async function profileWithCode(
    browser: HttpBrowser,
    provider: TestProvider,
    user: { email: string; password: string; app: Authenticator },
  ) {
    const page = await openConsole(browser, `${provider.url}/account`, user);
    return postForm(browser, page, '/otp', { code: await user.app.next() });
  }

  async function useRecoveryCode(user: { email: string; password: string }, code: string) {
    const { browser, page, pending } = await recoveryPage(user);
    const result = await post(browser, produce, page, '/recovery', { code });
    return { ...result, pending };
  }

  it('shows 10 codes once right after Turn On, with download, copy and print, then only their count', async () => {
    const user = await createUser(op, { email: 'shown-once@example.com' });
    const browser = new HttpBrowser();
    const enable = await openConsole(browser, `${op.url}/account/2fa/enable`, user);
    const app = new Authenticator(secretFromPage(enable.html));
    const shown = await postForm(browser, enable, '/account/2fa/enable', {
      code: await app.next(),
    });
    expect(shown.status).toBe(200);
    expect(shown.html).toContain('Two-factor authentication is on');
    const codes = recoveryCodesFromPage(shown.html);
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(code).toMatch(CODE_SHAPE);
    expect(new Set(codes).size).toBe(10);
    expect(shown.html).toContain('download="twofold-recovery-codes.txt"');
    expect(shown.html).toContain('data-copy="recovery-codes"');
    expect(shown.html).toContain('data-print');
    expect(shown.html).toContain('I have saved these codes');
    expect(decodeURIComponent(shown.html)).toContain(codes[0]);

    // Stored only as hashes.
    const stored = await op.store.credentials.findRecoveryCodes(user.id);
    expect(stored?.hashes).toHaveLength(10);
    expect(stored?.hashes).toContain(hashRecoveryCode(codes[0] ?? ''));
    expect(JSON.stringify(stored)).not.toContain(codes[0]);

    const profile = await openConsole(browser, `${op.url}/account?notice=enabled`);
    expect(profile.html).toContain('You have 10 recovery codes left.');
    for (const code of codes) expect(profile.html).not.toContain(code);
  });

  it('shows the codes after a forced enrollment at sign-in and finishes only after "I have saved these codes"', async () => {
    const role = await op.store.roles.create({ name: 'Forced', enforce2fa: true });
    const user = await createUser(op, { email: 'forced-codes@example.com', roleIds: [role.id] });
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    const { app, step: done } = await finishEnrollment(browser, produce, step);
    expect(app.recoveryCodes).toHaveLength(10);
    const claims = await claimsAt(produce, done, pending);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(await op.services.recovery.remaining(user.id)).toBe(10);
  });

  it('refuses "I have saved these codes" in a sign-in that did not set up an authenticator', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'no-skip@example.com' });
    const browser = new HttpBrowser();
    const { step } = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isOtpPage(step)).toBe(true);
    const forged = await browser.post(`${step.url.replace(/\/otp$/, '')}/continue`, {
      csrf: /name="csrf" value="([^"]+)"/.exec(step.html)?.[1] ?? '',
    });
    expect(forged.status).toBe(400);
    expect(forged.headers.get('location')).toBeNull();
  });

  it('signs in with a recovery code (amr recovery_code, multi-factor acr) exactly once', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'lost-phone@example.com' });
    const [code] = user.app.recoveryCodes;
    if (!code) throw new Error('no recovery code');
    const first = await useRecoveryCode(user, code.toUpperCase().replace('-', ' '));
    const claims = await claimsAt(produce, first.next, first.pending);
    expect(claims.amr).toEqual(['pwd', 'recovery_code', 'mfa']);
    expect(claims.acr).toBe(ACR_MULTI);
    expect(await op.services.recovery.remaining(user.id)).toBe(9);

    const again = await useRecoveryCode(user, code);
    expect(again.response.status).toBe(401);
    expect(again.next.html).toContain('not correct, or it was already used');
    expect(atCallback(produce, again.next)).toBe(false);

    const events = await op.services.audit.list({ targetId: user.id, page: 1, pageSize: 20 });
    expect(events.items.map((e) => e.action)).toEqual(
      expect.arrayContaining(['recovery_code.used', 'login.recovery_code_failure']),
    );
  });

  it('accepts one of 10 concurrent uses of the same code', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'race@example.com' });
    const [code] = user.app.recoveryCodes;
    if (!code) throw new Error('no recovery code');
    const pages = [];
    for (let i = 0; i < 10; i++) pages.push(await recoveryPage(user));
    const results = await Promise.all(
      pages.map(({ browser, page }) => post(browser, produce, page, '/recovery', { code })),
    );
    const signedIn = results.filter((r) => atCallback(produce, r.next));
    expect(signedIn).toHaveLength(1);
    // The others are refused: the code is spent (401), or the burst of charged attempts has
    // already started a delay (429).
    const refused = results.filter((r) => [401, 429].includes(r.response.status));
    expect(refused).toHaveLength(9);
    expect(await op.services.recovery.remaining(user.id)).toBe(9);
  });

  it('charges wrong recovery codes to the same counter as authenticator codes', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'guesser@example.com' });
    const { browser, page } = await recoveryPage(user);
    let current: Step = page;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { response, next } = await post(browser, produce, current, '/recovery', {
        code: `aaaaa-aaaa${i}`,
      });
      statuses.push(response.status);
      current = next;
    }
    // OTP_FREE_FAILURES=5: the fifth wrong code starts a delay, as with authenticator codes.
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    // The delay holds back a right code too, of either kind.
    const right = await post(browser, produce, current, '/recovery', {
      code: user.app.recoveryCodes[0] ?? '',
    });
    expect(right.response.status).toBe(429);
    await op.services.totp.unlock(user.id);
  });

  it('counts what is left on Profile and warns at 3 or fewer', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'running-low@example.com' });
    const stored = await op.store.users.findById(user.id);
    if (!stored) throw new Error('no user');
    for (const code of user.app.recoveryCodes.slice(0, 7)) {
      const spent = await op.services.signin.verifyRecoveryCode(stored, code, {
        ip: '127.0.0.1',
        userAgent: undefined,
      });
      expect(spent.ok).toBe(true);
    }
    const browser = new HttpBrowser();
    const profile = await profileWithCode(browser, op, user);
    expect(profile.html).toContain(
      'You have 3 recovery codes left. Generate new ones before you run out.',
    );
    expect(profile.html).toMatch(/class="error" id="recovery-count"/);
  });

  it('generates a new set after a current code and a recent sign-in; the old codes stop working', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'regenerate@example.com' });
    const old = user.app.recoveryCodes;
    const browser = new HttpBrowser();
    const profile = await profileWithCode(browser, op, user);
    expect(profile.html).toContain('Generate new recovery codes');
    const form = await openConsole(browser, `${op.url}/account/2fa/recovery-codes`);
    expect(form.html).toContain('Your current recovery codes stop working at once.');

    const wrong = await postForm(browser, form, '/account/2fa/recovery-codes', { code: '000000' });
    expect(wrong.status === 401 || wrong.status === 400).toBe(true);
    expect(recoveryCodesFromPage(wrong.html)).toHaveLength(0);

    // A recovery code is proof enough (and is spent).
    const shown = await postForm(browser, wrong, '/account/2fa/recovery-codes', {
      code: old[1] ?? '',
    });
    expect(shown.status).toBe(200);
    const fresh = recoveryCodesFromPage(shown.html);
    expect(fresh).toHaveLength(10);
    expect(fresh.some((code) => old.includes(code))).toBe(false);

    const oldCode = await useRecoveryCode(user, old[2] ?? '');
    expect(oldCode.response.status).toBe(401);
    const newCode = await useRecoveryCode(user, fresh[0] ?? '');
    expect((await claimsAt(produce, newCode.next, newCode.pending)).amr).toContain('recovery_code');
  });

  it('asks for a fresh sign-in before generating new codes', async () => {
    const strict = await startTestProvider({ env: { REAUTH_MAX_AGE_SECONDS: '1' } });
    try {
      // 2FA through the service: with a 1-second "recent" window, setting it up from Profile
      // would itself race the clock.
      const created = await createUser(strict, { email: 'stale@example.com' });
      const app = new Authenticator(await giveTwoFactor(strict, created.id));
      app.lastStep = timeStep(Date.now());
      const user = { ...created, app };
      const browser = new HttpBrowser();
      await profileWithCode(browser, strict, user);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const page = await browser.get(`${strict.url}/account/2fa/recovery-codes`);
      expect([302, 303]).toContain(page.status);
      expect(page.headers.get('location')).not.toContain('/account/2fa/recovery-codes');
    } finally {
      await strict.close();
    }
  });

  it('removes the codes when the user turns 2FA off and when an admin does', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'off-self@example.com' });
    const browser = new HttpBrowser();
    await profileWithCode(browser, op, user);
    const disable = await openConsole(browser, `${op.url}/account/2fa/disable`);
    const off = await postForm(browser, disable, '/account/2fa/disable', {
      code: await user.app.next(),
      confirm: 'yes',
    });
    expect(off.url).toContain('notice=disabled');
    expect(await op.services.recovery.remaining(user.id)).toBeNull();

    const other = await createUserWithTwoFactor(op, produce, { email: 'off-admin@example.com' });
    expect(await op.services.recovery.remaining(other.id)).toBe(10);
    await op.services.adminUsers.update({ id: null, email: 'test-admin', ip: null }, other.id, {
      twoFactorEnabled: false,
    });
    expect(await op.services.recovery.remaining(other.id)).toBeNull();
    // Without 2FA the sign-in finishes at the password: there is nothing to use a code on.
    const { step, pending } = await signInWithPassword(
      new HttpBrowser(),
      produce,
      other.email,
      other.password,
    );
    expect((await claimsAt(produce, step, pending)).amr).toEqual(['pwd']);
  });
});
