import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { hiddenInput, HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  discoverRp,
  open,
  signInWithPassword,
  type TestRp,
} from '../support/relying-party.ts';
import { createUser } from '../support/fixtures.ts';
import {
  ACR_MULTI,
  ACR_SINGLE,
  claimsAt,
  createUserWithTwoFactor,
  isLoginPage,
  isOtpPage,
  post,
} from '../support/two-factor.ts';

describe('two-factor sign-in with a code', () => {
  let op: TestProvider;
  let produce: TestRp;

  beforeAll(async () => {
    op = await startTestProvider();
    produce = await discoverRp(op.config.issuer);
  });
  afterAll(async () => op?.close());

  it('asks for the code after the password and signs in with amr pwd+otp+mfa and the multi-factor acr', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'code@example.com' });
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isOtpPage(step)).toBe(true);
    expect(step.html).toContain('autocomplete="one-time-code"');
    expect(step.html).toContain('inputmode="numeric"');
    expect(step.html).toContain('Remember this browser?');
    const before = Math.floor(Date.now() / 1000);
    const { next } = await post(browser, produce, step, '/otp', { code: await user.app.next() });
    const claims = await claimsAt(produce, next, pending);
    expect(claims.sub).toBe(user.id);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe(ACR_MULTI);
    expect(typeof claims.auth_time).toBe('number');
    expect(Math.abs((claims.auth_time as number) - before)).toBeLessThan(30);
  });

  it('issues the single-factor acr and amr pwd to a user without 2FA', async () => {
    const user = await createUser(op, { email: 'plain@example.com' });
    const { step, pending } = await signInWithPassword(
      new HttpBrowser(),
      produce,
      user.email,
      user.password,
    );
    const claims = await claimsAt(produce, step, pending);
    expect(claims.amr).toEqual(['pwd']);
    expect(claims.acr).toBe(ACR_SINGLE);
    expect(typeof claims.auth_time).toBe('number');
  });

  it('issues no authorization code without the second factor, whatever the browser tries', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'nocode@example.com' });
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isOtpPage(step)).toBe(true);
    const uid = /\/interaction\/([^/]+)\/otp$/.exec(step.url)?.[1] ?? '';

    // Going straight to the provider's resume URL starts the login over; no code.
    const resumed = await open(browser, produce, `${op.config.issuer}/auth/${uid}`);
    expect(atCallback(produce, resumed)).toBe(false);

    // Re-opening the authorization request (same SSO cookie) shows the password page again.
    const again = await open(browser, produce, pending.url);
    expect(atCallback(produce, again)).toBe(false);
    expect(isLoginPage(again)).toBe(true);

    // Replaying the password POST leads to the code page again, not to the callback.
    const fresh = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isOtpPage(fresh.step)).toBe(true);
    const freshUid = /\/interaction\/([^/]+)\/otp$/.exec(fresh.step.url)?.[1] ?? '';
    const replay = await browser.post(`${op.config.issuer}/interaction/${freshUid}/login`, {
      csrf: hiddenInput(fresh.step.html, 'csrf'),
      email: user.email,
      password: user.password,
    });
    expect(replay.status).toBe(303);
    expect(replay.headers.get('location')).toBe(`/interaction/${freshUid}/otp`);

    // Another browser (own cookie jar) cannot post a code into this sign-in, even a correct one.
    const other = new HttpBrowser();
    const forged = await other.post(`${op.config.issuer}/interaction/${uid}/otp`, {
      csrf: hiddenInput(fresh.step.html, 'csrf'),
      code: await user.app.next(),
    });
    expect(forged.status).toBeGreaterThanOrEqual(400);
    expect(forged.status).toBeLessThan(500);
    expect(forged.headers.get('location')).toBeNull();

    // A second browser that signs in with someone else's password is challenged for its own
    // account; posting to the first browser's interaction URL does not finish the first one.
    const mallory = await createUser(op, { email: 'mallory@example.com' });
    const third = new HttpBrowser();
    const own = await signInWithPassword(third, produce, mallory.email, mallory.password);
    expect(atCallback(produce, own.step)).toBe(true);
    const cross = await third.post(`${op.config.issuer}/interaction/${uid}/otp`, {
      csrf: 'x',
      code: '000000',
    });
    expect(cross.status).toBeGreaterThanOrEqual(400);
    expect(cross.status).toBeLessThan(500);

    // The legitimate browser can still finish with a correct code.
    const done = await post(browser, produce, fresh.step, '/otp', { code: await user.app.next() });
    expect((await claimsAt(produce, done.next, fresh.pending)).amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('answers a wrong code with 401 and a message, and issues nothing', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'wrong@example.com' });
    const browser = new HttpBrowser();
    const { step } = await signInWithPassword(browser, produce, user.email, user.password);
    const { response, next } = await post(browser, produce, step, '/otp', {
      code: user.app.wrong(),
    });
    expect(response.status).toBe(401);
    expect(next.html).toContain('That code is not correct');
    expect(next.html).toContain('autocomplete="one-time-code"');
    expect(atCallback(produce, next)).toBe(false);
    expect((await op.services.totp.lockOf(user.id)).failures).toBe(1);
  });

  it('refuses a code that was already used for an earlier sign-in', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'replay@example.com' });
    const code = await user.app.next();
    const first = new HttpBrowser();
    const one = await signInWithPassword(first, produce, user.email, user.password);
    const ok = await post(first, produce, one.step, '/otp', { code });
    expect(atCallback(produce, ok.next)).toBe(true);

    const second = new HttpBrowser();
    const two = await signInWithPassword(second, produce, user.email, user.password);
    expect(isOtpPage(two.step)).toBe(true);
    const replayed = await post(second, produce, two.step, '/otp', { code });
    expect(replayed.response.status).toBe(401);
    expect(replayed.next.html).toContain('already used');
    expect(atCallback(produce, replayed.next)).toBe(false);
  });

  it('answers a malformed code with 400 without counting it as a failure', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'malformed@example.com' });
    const browser = new HttpBrowser();
    const { step } = await signInWithPassword(browser, produce, user.email, user.password);
    for (const code of ['12ab56', '123', '']) {
      const { response, next } = await post(browser, produce, step, '/otp', { code });
      expect(response.status).toBe(400);
      expect(next.html).toContain('Enter the 6-digit code');
      expect(atCallback(produce, next)).toBe(false);
    }
    expect((await op.services.totp.lockOf(user.id)).failures).toBe(0);
    // Spaces as the app shows them ("123 456") are accepted.
    const code = await user.app.next();
    const spaced = `${code.slice(0, 3)} ${code.slice(3)}`;
    const { next } = await post(browser, produce, step, '/otp', { code: spaced });
    expect(atCallback(produce, next)).toBe(true);
  });

  it('locks the code prompt after 5 wrong codes: 429 with when to retry and Retry-After, even for a correct code', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'throttle@example.com' });
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    const answers: Array<[number, string | null]> = [];
    for (let i = 0; i < 5; i++) {
      const { response } = await post(browser, produce, step, '/otp', { code: user.app.wrong() });
      answers.push([response.status, response.headers.get('retry-after')]);
    }
    // Four free mistakes; the fifth starts the delay and already says so.
    expect(answers.slice(0, 4)).toEqual([
      [401, null],
      [401, null],
      [401, null],
      [401, null],
    ]);
    expect(answers[4]?.[0]).toBe(429);
    expect(Number(answers[4]?.[1])).toBeGreaterThan(0);
    expect((await op.services.totp.lockOf(user.id)).failures).toBe(5);

    const locked = await post(browser, produce, step, '/otp', { code: await user.app.next() });
    expect(locked.response.status).toBe(429);
    expect(locked.next.html).toMatch(/Too many wrong codes\. Try again in \d+ seconds?\./);
    const retryAfter = Number(locked.response.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);
    expect(atCallback(produce, locked.next)).toBe(false);
    expect(pending.url).toBeTruthy();
  });

  it('counts wrong codes sent in parallel one by one, so a burst cannot get past the throttle', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'burst@example.com' });
    const browser = new HttpBrowser();
    const { step } = await signInWithPassword(browser, produce, user.email, user.password);
    const csrf = hiddenInput(step.html, 'csrf');
    const wrong = user.app.wrong();
    const codes = Array.from({ length: 30 }, (_, i) =>
      String((Number(wrong) + i * 7919) % 1_000_000).padStart(6, '0'),
    );
    const answers = await Promise.all(codes.map((code) => browser.post(step.url, { csrf, code })));
    const statuses = answers.map((r) => r.status);
    // Only the free mistakes are checked (or a lucky guess: then the count would be reset);
    // every other request in the burst is throttled.
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(4);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(25);
  });
});

describe('two-factor sign-in: hard stop and reset of the OTP throttle', () => {
  let op: TestProvider;
  let produce: TestRp;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  beforeAll(async () => {
    op = await startTestProvider({
      env: { OTP_BASE_DELAY_SECONDS: '1', OTP_MAX_DELAY_SECONDS: '2', OTP_HARD_STOP_FAILURES: '7' },
    });
    produce = await discoverRp(op.config.issuer);
  });
  afterAll(async () => op?.close());

  /** Waits until the account's current OTP lock (if any) is over. */
  async function waitForUnlock(userId: string): Promise<void> {
    const until = (await op.services.totp.lockOf(userId)).lockedUntil;
    if (until) await sleep(Math.max(0, until.getTime() - Date.now()) + 150);
  }

  it('stops for good after OTP_HARD_STOP_FAILURES wrong codes and tells the user to ask an administrator', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'hardstop@example.com' });
    const browser = new HttpBrowser();
    const { step } = await signInWithPassword(browser, produce, user.email, user.password);
    let last: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 7; i++) {
      await waitForUnlock(user.id);
      last = await post(browser, produce, step, '/otp', { code: user.app.wrong() });
    }
    expect(last?.response.status).toBe(429);
    expect(last?.next.html).toContain('ask an administrator');
    expect((await op.services.totp.lockOf(user.id)).failures).toBe(7);

    await sleep(2_200); // longer than any delay: the hard stop does not wear off
    const correct = await post(browser, produce, step, '/otp', { code: await user.app.next() });
    expect(correct.response.status).toBe(429);
    expect(correct.next.html).toContain('ask an administrator');
    expect(atCallback(produce, correct.next)).toBe(false);

    // An administrator turning 2FA off clears the lock; the user can sign in again.
    await op.services.totp.remove(user.id);
    const after = await signInWithPassword(new HttpBrowser(), produce, user.email, user.password);
    expect(atCallback(produce, after.step)).toBe(true);
  });

  it('resets the failure counter after a correct code', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'reset@example.com' });
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    for (let i = 0; i < 5; i++) {
      await waitForUnlock(user.id);
      await post(browser, produce, step, '/otp', { code: user.app.wrong() });
    }
    expect((await op.services.totp.lockOf(user.id)).failures).toBe(5);
    await waitForUnlock(user.id);
    const ok = await post(browser, produce, step, '/otp', { code: await user.app.next() });
    expect((await claimsAt(produce, ok.next, pending)).amr).toEqual(['pwd', 'otp', 'mfa']);
    const lock = await op.services.totp.lockOf(user.id);
    expect(lock.failures).toBe(0);
    expect(lock.lockedUntil).toBeNull();
  });
});
