import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openConsole, postForm } from '../support/console.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import { eventually } from '../support/logged-provider.ts';
import { discoverRp, open, signInWithPassword, type TestRp } from '../support/relying-party.ts';
import { startSmtpSink, type ReceivedMail, type SmtpSink } from '../support/smtp-sink.ts';
import {
  Authenticator,
  createUserWithTwoFactor,
  isOtpPage,
  post,
  recoveryCodesFromPage,
  secretFromPage,
} from '../support/two-factor.ts';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';

/**
 * Each change to a user's second factors reaches a real SMTP server, addressed to that user and
 * naming what happened, the browser and the address (the password and admin notices are in
 * notifications.test.ts).
 */
describe('security notices for second-factor changes', () => {
  let sink: SmtpSink;
  let op: TestProvider;
  let produce: TestRp;

  beforeAll(async () => {
    sink = await startSmtpSink();
    op = await startTestProvider({
      env: {
        SMTP_URL: sink.url(),
        MAIL_RETRY_SECONDS: '1',
        TOTP_WINDOW: '6',
        OTP_FREE_FAILURES: '10',
        OTP_HARD_STOP_FAILURES: '3',
      },
    });
    produce = await discoverRp(op.config.issuer);
  });
  afterAll(async () => {
    await op?.close();
    await sink?.close();
  });

  /** The message to `to` whose subject contains `subject`, once it has arrived. */
  function mail(to: string, subject: string): Promise<ReceivedMail> {
    return eventually(
      async () =>
        sink.received.find(
          (m) => m.to.includes(to) && (m.headers.get('subject') ?? '').includes(subject),
        ),
      `"${subject}" for ${to}`,
    );
  }

  function expectFacts(message: ReceivedMail) {
    expect(message.text).toContain('127.0.0.1');
    expect(message.text).toContain('Firefox on Linux');
    expect(message.text).toMatch(/UTC/);
    expect(message.text).toContain('If it was not you');
  }

  async function profile(user: { email: string; password: string; app: Authenticator }) {
    const browser = new HttpBrowser();
    browser.userAgent = FIREFOX;
    const page = await openConsole(browser, `${op.url}/account`, user);
    return {
      browser,
      page: await postForm(browser, page, '/otp', { code: await user.app.next() }),
    };
  }

  it('tells the user 2FA was turned on, and off', async () => {
    const user = await createUser(op, { email: 'on-off@example.com' });
    const browser = new HttpBrowser();
    browser.userAgent = FIREFOX;
    const enable = await openConsole(browser, `${op.url}/account/2fa/enable`, user);
    const app = new Authenticator(secretFromPage(enable.html), op.config.totp.window);
    await postForm(browser, enable, '/account/2fa/enable', { code: await app.next() });
    expectFacts(await mail(user.email, 'Two-factor authentication was turned on'));

    const disable = await openConsole(browser, `${op.url}/account/2fa/disable`);
    await postForm(browser, disable, '/account/2fa/disable', {
      code: await app.next(),
      confirm: 'yes',
    });
    const off = await mail(user.email, 'Two-factor authentication was turned off');
    expectFacts(off);
    expect(off.headers.get('subject')).not.toContain('administrator');
  });

  it('tells the user a browser was remembered and a recovery code was used, with how many are left', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'codes@example.com' });
    const browser = new HttpBrowser();
    browser.userAgent = FIREFOX;
    const first = await signInWithPassword(browser, produce, user.email, user.password);
    await post(browser, produce, first.step, '/otp', {
      code: await user.app.next(),
      remember: 'on',
    });
    expectFacts(await mail(user.email, 'A new browser was remembered'));

    const other = new HttpBrowser();
    other.userAgent = FIREFOX;
    const second = await signInWithPassword(other, produce, user.email, user.password);
    expect(isOtpPage(second.step)).toBe(true);
    const page = await open(other, produce, second.step.url.replace(/otp$/, 'recovery'));
    await post(other, produce, page, '/recovery', { code: user.app.recoveryCodes[0] ?? '' });
    const used = await mail(user.email, 'A recovery code was used to sign in');
    expectFacts(used);
    expect(used.text).toMatch(/9 recovery codes? left/);
    for (const code of user.app.recoveryCodes) expect(used.raw).not.toContain(code);
  });

  it('tells the user new recovery codes were generated and the authenticator was replaced', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'phone@example.com' });
    const { browser } = await profile(user);
    const regenerate = await openConsole(browser, `${op.url}/account/2fa/recovery-codes`);
    const shown = await postForm(browser, regenerate, '/account/2fa/recovery-codes', {
      code: await user.app.next(),
    });
    const regenerated = await mail(user.email, 'New recovery codes were generated');
    expectFacts(regenerated);
    const codes = recoveryCodesFromPage(shown.html);
    expect(codes).toHaveLength(10);
    for (const code of codes) expect(regenerated.raw).not.toContain(code);

    const start = await openConsole(browser, `${op.url}/account/2fa/replace`);
    const scan = await postForm(browser, start, '/account/2fa/replace', {
      code: await user.app.next(),
    });
    const next = new Authenticator(secretFromPage(scan.html), op.config.totp.window);
    await postForm(browser, scan, '/account/2fa/replace/confirm', { code: await next.next() });
    expectFacts(await mail(user.email, 'Your authenticator app was replaced'));
  });

  it('tells the user once when wrong codes lock second-factor sign-in', async () => {
    const user = await createUserWithTwoFactor(op, produce, { email: 'locked@example.com' });
    const browser = new HttpBrowser();
    browser.userAgent = FIREFOX;
    const { step } = await signInWithPassword(browser, produce, user.email, user.password);
    let current = step;
    for (let i = 0; i < 5; i++) {
      const { next } = await post(browser, produce, current, '/otp', { code: user.app.wrong() });
      current = next;
    }
    const locked = await mail(user.email, 'Signing in with a code is locked');
    expect(locked.text).toContain('administrator');
    expect(locked.text).toContain('127.0.0.1');
    await eventually(
      async () => ((await op.store.mailOutbox.count()) === 0 ? true : undefined),
      'sent',
    );
    expect(
      sink.received.filter(
        (m) => m.to.includes(user.email) && m.headers.get('subject')?.includes('locked'),
      ),
    ).toHaveLength(1);
  });
});
