import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
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
  Authenticator,
  claimsAt,
  confirmEnrollment,
  finishEnrollment,
  isEnrollPage,
  isOtpPage,
  post,
  qrFromPage,
  secretFromPage,
} from '../support/two-factor.ts';

const INSTRUCTIONS =
  'Your role requires two-factor authentication. You cannot sign in until you set it up.';

/** The interaction uid of a sign-in page (its set-up channel is `interaction:<uid>`). */
function uidOf(step: { url: string }): string {
  return /\/interaction\/([^/]+)/.exec(step.url)?.[1] ?? '';
}

describe('mandatory 2FA enrollment during sign-in (role enforcement)', () => {
  let op: TestProvider;
  let produce: TestRp;
  let enforcing: { id: string };

  beforeAll(async () => {
    op = await startTestProvider({ env: { TOTP_ISSUER: 'Twofold Test' } });
    produce = await discoverRp(op.config.issuer);
    enforcing = await op.store.roles.create({ name: 'finance', enforce2fa: true });
  });
  afterAll(async () => op?.close());

  it('sends a user with an enforcing role to set up 2FA, then signs in with amr pwd+otp+mfa', async () => {
    const user = await createUser(op, { email: 'direct@example.com', roleIds: [enforcing.id] });
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isEnrollPage(step)).toBe(true);
    expect(step.html).toContain(INSTRUCTIONS);
    expect(step.html).toContain('authenticator app');
    expect(step.html).toContain('Turn On');
    expect(step.html).toContain('autocomplete="one-time-code"');
    expect(await op.services.totp.status(user.id)).toBeNull();

    const done = await finishEnrollment(browser, produce, step);
    const claims = await claimsAt(produce, done.step, pending);
    expect(claims.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(claims.acr).toBe(ACR_MULTI);
    expect(await op.services.totp.status(user.id)).not.toBeNull();
    // Completing the set-up discards every pending one.
    expect(await op.store.enrollments.find(`interaction:${uidOf(step)}`, user.id)).toBeNull();

    // From now on the user is asked for the code, not to enroll again.
    const next = await signInWithPassword(new HttpBrowser(), produce, user.email, user.password);
    expect(isOtpPage(next.step)).toBe(true);
  });

  it('enforces a role that comes through a group', async () => {
    const group = await op.store.groups.create({ name: 'accounts', roleIds: [enforcing.id] });
    const user = await createUser(op, { email: 'group@example.com', groupIds: [group.id] });
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isEnrollPage(step)).toBe(true);
    expect(step.html).toContain(INSTRUCTIONS);
    const done = await finishEnrollment(browser, produce, step);
    expect((await claimsAt(produce, done.step, pending)).amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('issues nothing to a user who abandons the set-up, and asks again at the next sign-in', async () => {
    const user = await createUser(op, { email: 'abandon@example.com', roleIds: [enforcing.id] });
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isEnrollPage(step)).toBe(true);
    const uid = /\/interaction\/([^/]+)\/enroll$/.exec(step.url)?.[1] ?? '';

    // Skipping the page: resuming the authorization or re-opening it never reaches the callback.
    expect(
      atCallback(produce, await open(browser, produce, `${op.config.issuer}/auth/${uid}`)),
    ).toBe(false);
    expect(atCallback(produce, await open(browser, produce, pending.url))).toBe(false);

    // Same browser, a new sign-in: the enroll page again, with a secret of its own (a set-up
    // belongs to the sign-in that started it).
    const again = await signInWithPassword(browser, produce, user.email, user.password);
    expect(isEnrollPage(again.step)).toBe(true);
    expect(again.step.html).toContain(INSTRUCTIONS);
    expect(secretFromPage(again.step.html)).not.toBe(secretFromPage(step.html));
    // Another browser, too.
    const elsewhere = await signInWithPassword(
      new HttpBrowser(),
      produce,
      user.email,
      user.password,
    );
    expect(isEnrollPage(elsewhere.step)).toBe(true);
    expect(await op.services.totp.status(user.id)).toBeNull();
  });

  it('keeps 2FA off after a wrong code, with a message', async () => {
    const user = await createUser(op, { email: 'wrongsetup@example.com', roleIds: [enforcing.id] });
    const browser = new HttpBrowser();
    const { step } = await signInWithPassword(browser, produce, user.email, user.password);
    const app = new Authenticator(secretFromPage(step.html));
    const wrong = await post(browser, produce, step, '/enroll', { code: app.wrong() });
    expect(wrong.response.status).toBe(401);
    expect(wrong.next.html).toContain('That code is not correct');
    expect(wrong.next.html).toContain(INSTRUCTIONS);
    expect(secretFromPage(wrong.next.html)).toBe(app.secret);
    expect(atCallback(produce, wrong.next)).toBe(false);
    expect(await op.services.totp.status(user.id)).toBeNull();
    const malformed = await post(browser, produce, step, '/enroll', { code: 'abc' });
    expect(malformed.response.status).toBe(400);
    expect(await op.services.totp.status(user.id)).toBeNull();
  });

  it('replaces an expired set-up with a new secret and says so', async () => {
    const user = await createUser(op, {
      email: 'expiredsetup@example.com',
      roleIds: [enforcing.id],
    });
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    const oldSecret = secretFromPage(step.html);
    // The server's clock cannot be moved from the test (fake timers do not reach the real
    // server), so the pending enrollment's expiry is moved into the past in the database.
    await op.store.connection
      .db!.collection('enrollments')
      .updateMany({ userId: user.id }, { $set: { expiresAt: new Date(Date.now() - 1000) } });
    const old = new Authenticator(oldSecret);
    const expired = await post(browser, produce, step, '/enroll', { code: await old.next() });
    expect(expired.response.status).toBe(400);
    expect(expired.next.html).toContain('This set-up expired');
    const newSecret = secretFromPage(expired.next.html);
    expect(newSecret).not.toBe(oldSecret);
    expect(await op.services.totp.status(user.id)).toBeNull();

    const done = await confirmEnrollment(
      browser,
      produce,
      expired.next,
      await new Authenticator(newSecret).next(),
    );
    expect((await claimsAt(produce, done.next, pending)).amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  it('shows a QR code that decodes to the otpauth URI with issuer, email label and the secret shown as text', async () => {
    const user = await createUser(op, { email: 'qr.user@example.com', roleIds: [enforcing.id] });
    const { step } = await signInWithPassword(
      new HttpBrowser(),
      produce,
      user.email,
      user.password,
    );
    const secret = secretFromPage(step.html);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits in base32
    expect(step.html).toMatch(
      /<code class="secret" id="secret">([A-Z2-7]{4} ){7}[A-Z2-7]{4}<\/code>/,
    );
    const uri = new URL(qrFromPage(step.html));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.host).toBe('totp');
    expect(decodeURIComponent(uri.pathname)).toBe('/Twofold Test:qr.user@example.com');
    expect(uri.searchParams.get('secret')).toBe(secret);
    expect(uri.searchParams.get('issuer')).toBe('Twofold Test');
    expect(uri.searchParams.get('digits') ?? '6').toBe('6');
    expect(uri.searchParams.get('period') ?? '30').toBe('30');
    expect((uri.searchParams.get('algorithm') ?? 'SHA1').toUpperCase()).toBe('SHA1');
  });
});

describe('expired enrollment through TOTP_ENROLLMENT_MINUTES', () => {
  it('starts a new secret when the pending set-up outlived its configured minutes', async () => {
    const op = await startTestProvider({ env: { TOTP_ENROLLMENT_MINUTES: '1' } });
    try {
      const produce = await discoverRp(op.config.issuer);
      const role = await op.store.roles.create({ name: 'ops', enforce2fa: true });
      const user = await createUser(op, { email: 'minutes@example.com', roleIds: [role.id] });
      const browser = new HttpBrowser();
      const { step } = await signInWithPassword(browser, produce, user.email, user.password);
      const pending = await op.store.enrollments.find(`interaction:${uidOf(step)}`, user.id);
      const minutes = (pending!.expiresAt.getTime() - Date.now()) / 60_000;
      expect(minutes).toBeGreaterThan(0.9);
      expect(minutes).toBeLessThanOrEqual(1);
      // Waiting a real minute is too slow: move the stored expiry past the configured minute.
      await op.store.connection
        .db!.collection('users')
        .updateOne(
          { email: 'minutes@example.com' },
          { $set: { 'pendingTotp.expiresAt': new Date(Date.now() - 1000) } },
        );
      const again = await signInWithPassword(browser, produce, user.email, user.password);
      expect(isEnrollPage(again.step)).toBe(true);
      expect(secretFromPage(again.step.html)).not.toBe(secretFromPage(step.html));
    } finally {
      await op.close();
    }
  });
});
