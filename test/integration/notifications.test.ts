import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { formatNoticeTime } from '../../src/domain/security-notices.ts';
import { giveTwoFactor, openConsoleWithCode } from '../support/admin-pages.ts';
import { openConsole, postForm, type Page } from '../support/console.ts';
import { createUser } from '../support/fixtures.ts';
import { hiddenInput, HttpBrowser } from '../support/http-browser.ts';
import {
  eventually,
  LEVEL,
  startLoggedProvider,
  type LoggedProvider,
} from '../support/logged-provider.ts';
import { parseMail, startSmtpSink, type SmtpSink } from '../support/smtp-sink.ts';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
const SAFARI =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Safari/605.1.15';
const SMTP_LOGIN = { user: 'mailer', pass: 'sink-password' };
const NEW_PASSWORD = 'a-much-longer-new-passphrase';

/** The minutes a notice made between `from` and now may name. */
function minutesSince(from: number): string[] {
  return [formatNoticeTime(new Date(from)), formatNoticeTime(new Date())];
}

/** Signs in to Profile and changes the password there; the POST's own answer. */
async function changePasswordFromProfile(
  op: LoggedProvider,
  user: { email: string; password: string },
  userAgent = FIREFOX,
): Promise<Response> {
  const browser = new HttpBrowser();
  browser.userAgent = userAgent;
  const profile = await openConsole(browser, `${op.url}/account`, user);
  expect(profile.url).toBe(`${op.url}/account`);
  return browser.post(`${op.url}/account/password`, {
    csrf: hiddenInput(profile.html, 'csrf'),
    current: user.password,
    password: NEW_PASSWORD,
  });
}

/** Waits until every queued message was sent: sent messages leave the outbox. */
function outboxEmptied(op: LoggedProvider): Promise<true> {
  return eventually(
    async () => ((await op.store.mailOutbox.count()) === 0 ? true : undefined),
    'the outbox to empty',
  );
}

/** The provider's warnings about failed sends to `to`. */
function warningsFor(op: LoggedProvider, to: string) {
  return op.logs.filter(
    (l) => l.level === LEVEL.warn && l.to === to && /not sent; will retry/.test(l.msg),
  );
}

describe('security notifications by email', () => {
  let sink: SmtpSink;
  let op: LoggedProvider;

  beforeAll(async () => {
    sink = await startSmtpSink(0, SMTP_LOGIN);
    op = await startLoggedProvider({
      env: {
        SMTP_URL: sink.url(SMTP_LOGIN),
        MAIL_FROM: 'Twofold Security <security@example.com>',
        MAIL_RETRY_SECONDS: '1',
      },
    });
  });
  afterAll(async () => {
    await op?.close();
    await sink?.close();
  });

  it('tells the user their password was changed from Profile: when, which browser, which address', async () => {
    const user = await createUser(op, { email: 'pat.notice@example.com', name: 'Pat' });
    const startedAt = Date.now();
    const answer = await changePasswordFromProfile(op, user);
    expect(answer.status).toBe(303);

    const mail = await sink.waitFor(user.email);
    expect(mail.to).toEqual([user.email]);
    expect(mail.from).toBe('security@example.com');
    expect(mail.user).toBe('mailer');
    expect(mail.headers.get('subject')).toBe('Twofold: Your password was changed');
    expect(mail.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(mail.text).toContain('Hello Pat,');
    expect(mail.text).toContain('The password of your account was changed.');
    expect(minutesSince(startedAt).some((when) => mail.text.includes(`When: ${when}`))).toBe(true);
    expect(mail.text).toContain('Browser: Firefox on Linux');
    expect(mail.text).toContain('Address: 127.0.0.1');
    expect(mail.text).toContain('If it was not you');
    expect(mail.text).not.toContain(NEW_PASSWORD);
    // The SMTP password is in SMTP_URL; it never reaches a log line.
    expect(op.rawLogs.join('')).not.toContain(SMTP_LOGIN.pass);
    await outboxEmptied(op);
  });

  it('tells the user an administrator turned their 2FA off, and set a new password', async () => {
    const adminRole = await op.store.roles.create({
      name: 'notice-admin',
      admin: true,
      enforce2fa: false,
    });
    const boss = await createUser(op, {
      email: 'boss.notice@example.com',
      roleIds: [adminRole.id],
    });
    const browser = new HttpBrowser();
    const bossSecret = await giveTwoFactor(op, boss.id);
    const home = await openConsoleWithCode(browser, `${op.url}/admin`, boss, bossSecret);
    expect(home.url).toBe(`${op.url}/admin`);

    const user = await createUser(op, { email: 'lost.phone@example.com', name: 'Lou' });
    await giveTwoFactor(op, user.id);
    const edit = await openConsole(browser, `${op.url}/admin/users/${user.id}`);
    const off = await postForm(browser, edit, `/admin/users/${user.id}`, {
      twoFactorShown: 'on',
      email: user.email,
      name: user.name,
      confirmDisable2fa: 'yes',
    });
    expect(off.url).toContain('notice=2fa-off');
    expect(await op.services.totp.status(user.id)).toBeNull();

    const mail = await sink.waitFor(user.email);
    expect(mail.headers.get('subject')).toBe(
      'Twofold: Two-factor authentication was turned off by an administrator',
    );
    expect(mail.text).toContain('turned off for your account by an administrator');
    expect(mail.text).toContain('By: an administrator');
    expect(mail.text).toContain('Address: 127.0.0.1');
    expect(mail.text).not.toContain('Browser:');

    const reset: Page = await postForm(browser, off, `/admin/users/${user.id}`, {
      twoFactorShown: 'off',
      email: user.email,
      name: user.name,
      password: NEW_PASSWORD,
    });
    expect(reset.url).toContain('notice=saved');
    const second = await eventually(
      () => sink.received.filter((m) => m.to.includes(user.email))[1],
      'the password notice',
    );
    expect(second.headers.get('subject')).toBe(
      'Twofold: Your password was changed by an administrator',
    );
  });

  it('never lets a refusing mail server fail the action; logs a warning and delivers later', async () => {
    const user = await createUser(op, { email: 'rita.retry@example.com', name: 'Rita' });
    sink.refusing = true;
    try {
      const answer = await changePasswordFromProfile(op, user);
      expect(answer.status).toBe(303);
      const [warning] = await eventually(() => {
        const found = warningsFor(op, user.email);
        return found.length ? found : undefined;
      }, 'a warning about the refused message');
      expect(warning?.error).toMatch(/451|try again later/i);
      expect(warning?.attempts).toBe(1);
      // The warning names the recipient and the reason, never the message.
      expect(JSON.stringify(warning)).not.toContain('Hello Rita');
      expect(sink.received.some((m) => m.to.includes(user.email))).toBe(false);
      expect(sink.refused).toBeGreaterThan(0);
    } finally {
      sink.refusing = false;
    }
    const mail = await sink.waitFor(user.email);
    expect(mail.headers.get('subject')).toBe('Twofold: Your password was changed');
    expect(mail.text).toContain('Hello Rita,');
    await outboxEmptied(op);
    expect(sink.received.filter((m) => m.to.includes(user.email))).toHaveLength(1);
  });
});

describe('security notifications across a restart', () => {
  it('keeps a message queued while the mail server is down and sends it once after the restart', async () => {
    let sink = await startSmtpSink();
    const port = sink.port;
    await sink.close();
    const env = { SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_RETRY_SECONDS: '1' };
    let first: LoggedProvider | undefined = await startLoggedProvider({ env });
    let second: LoggedProvider | undefined;
    try {
      const user = await createUser(first, { email: 'sam.restart@example.com', name: 'Sam' });
      await first.services.account.changePassword(user, NEW_PASSWORD, {
        ip: '198.51.100.23',
        userAgent: SAFARI,
      });
      const running = first;
      await eventually(
        () => (warningsFor(running, user.email).length ? true : undefined),
        'a failed attempt',
      );
      expect(await first.store.mailOutbox.count()).toBe(1);
      const { env: sameEnv, mongodbUri } = first;
      await first.close();
      first = undefined;

      second = await startLoggedProvider({ env: sameEnv, mongodbUri });
      sink = await startSmtpSink(port);
      const mail = await sink.waitFor(user.email);
      expect(mail.text).toContain('Browser: Safari on macOS');
      expect(mail.text).toContain('Address: 198.51.100.23');
      await outboxEmptied(second);
      // Give a duplicate the time of two retry ticks to show up; none does.
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect(sink.received.filter((m) => m.to.includes(user.email))).toHaveLength(1);
    } finally {
      await first?.close();
      await second?.close();
      await sink.close();
    }
  });
});

describe('security notifications without SMTP_URL', () => {
  it('writes each message as a private .eml file in the outbox folder and logs one line', async () => {
    const op = await startLoggedProvider({ env: { NODE_ENV: 'development' } });
    try {
      expect(op.config.mail.smtpUrl).toBeUndefined();
      const outbox = join(op.env.DATA_DIR ?? '', 'outbox');
      expect(op.config.mail.outboxDir).toBe(outbox);
      await op.services.notifications.notify(
        { id: 'u1', email: 'dev.user@example.com', name: 'Dev' },
        { kind: 'recovery_code.used', remaining: 2 },
        { at: new Date(), ip: '192.0.2.4', userAgent: FIREFOX },
      );
      const file = await eventually(
        () =>
          existsSync(outbox) ? readdirSync(outbox).find((f) => f.endsWith('.eml')) : undefined,
        'a file in the outbox folder',
      );
      const path = join(outbox, file);
      expect(statSync(outbox).mode & 0o777).toBe(0o700);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const { headers, text } = parseMail(readFileSync(path, 'utf8').replace(/\r?\n/g, '\r\n'));
      expect(headers.get('to')).toBe('dev.user@example.com');
      expect(headers.get('from')).toBe('Twofold <no-reply@localhost>');
      expect(headers.get('subject')).toBe('Twofold: A recovery code was used to sign in');
      expect(text).toContain('You have 2 recovery codes left: generate new ones');
      const line = await eventually(
        () => op.logs.find((l) => l.msg === 'security notification written to the outbox folder'),
        'the log line',
      );
      expect(line).toMatchObject({ level: LEVEL.info, file: path, to: 'dev.user@example.com' });
      await outboxEmptied(op);
    } finally {
      await op.close();
    }
  });

  it('warns at start-up in production that nobody receives the notifications', async () => {
    const op = await startLoggedProvider({ env: { NODE_ENV: 'production' } });
    try {
      const warning = op.logs.find(
        (l) => l.level === LEVEL.warn && /SMTP_URL is not set/.test(l.msg),
      );
      expect(warning?.msg).toContain(op.config.mail.outboxDir);
    } finally {
      await op.close();
    }
  });
});
