import { describe, expect, it } from '@jest/globals';
import {
  composeNotice,
  displayAddress,
  formatNoticeTime,
  type NoticeOrigin,
  type SecurityNotice,
} from './security-notices.ts';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
const origin: NoticeOrigin = {
  at: new Date(Date.UTC(2026, 10, 23, 18, 48, 31)),
  ip: '203.0.113.7',
  userAgent: FIREFOX,
};
const pat = { name: 'Pat Doe', email: 'pat@example.com' };

const EVERY_NOTICE: SecurityNotice[] = [
  { kind: 'totp.enabled' },
  { kind: 'totp.disabled', by: 'self' },
  { kind: 'totp.disabled', by: 'admin' },
  { kind: 'totp.replaced' },
  { kind: 'recovery_codes.regenerated' },
  { kind: 'recovery_code.used', remaining: 7 },
  { kind: 'browser.remembered' },
  { kind: 'otp.locked' },
  { kind: 'password.changed', by: 'self' },
  { kind: 'password.changed', by: 'admin' },
];

describe('composeNotice', () => {
  it.each(EVERY_NOTICE)(
    'names the time, browser or actor, address and what to do: %o',
    (notice) => {
      const { subject, text } = composeNotice(notice, origin, pat, 'Twofold');
      expect(subject).toMatch(/^Twofold: \S/);
      expect(text).toContain('Hello Pat Doe,');
      expect(text).toContain('23 November 2026, 18:48 UTC');
      expect(text).toContain('Address: 203.0.113.7');
      expect(text).toContain('pat@example.com');
      expect(text).toMatch(/administrator/);
      expect(text).not.toMatch(/https?:\/\//);
      expect(text.split('\n').length).toBeLessThan(20);
      if ('by' in notice && notice.by === 'admin') {
        expect(text).toContain('by an administrator');
        expect(text).toContain('By: an administrator');
        expect(text).not.toContain('Browser:');
      } else {
        expect(text).toContain('Browser: Firefox on Linux');
      }
    },
  );

  it('gives every kind its own subject', () => {
    const subjects = EVERY_NOTICE.map((n) => composeNotice(n, origin, pat, 'Twofold').subject);
    expect(new Set(subjects).size).toBe(subjects.length);
  });

  it('says who changed the password: the user or an administrator', () => {
    const self = composeNotice({ kind: 'password.changed', by: 'self' }, origin, pat, 'Twofold');
    expect(self.subject).toBe('Twofold: Your password was changed');
    expect(self.text).toContain('If it was not you');
    const admin = composeNotice({ kind: 'password.changed', by: 'admin' }, origin, pat, 'Twofold');
    expect(admin.subject).toBe('Twofold: Your password was changed by an administrator');
    expect(admin.text).toContain('contact your administrator');
  });

  it('counts the recovery codes left and asks for new ones when few remain', () => {
    const used = (remaining: number) =>
      composeNotice({ kind: 'recovery_code.used', remaining }, origin, pat, 'Twofold').text;
    expect(used(7)).toContain('You have 7 recovery codes left.');
    expect(used(7)).not.toContain('generate new ones from your Profile page soon');
    expect(used(3)).toContain('You have 3 recovery codes left: generate new ones');
    expect(used(1)).toContain('You have 1 recovery code left: generate new ones');
    expect(used(0)).toContain('You have no recovery codes left: generate new ones');
  });

  it('says an administrator must unlock second-factor sign-in after the lock', () => {
    const { text } = composeNotice({ kind: 'otp.locked' }, origin, pat, 'Twofold');
    expect(text).toContain('An administrator must unlock it');
    expect(text).toContain('Last attempt: 23 November 2026, 18:48 UTC');
  });

  it('never echoes attacker-controlled header text', () => {
    const { text } = composeNotice(
      { kind: 'browser.remembered' },
      { at: origin.at, ip: 'visit evil.example now', userAgent: 'Click http://evil.example' },
      { name: 'Mallory\r\nBcc: x@example.com', email: 'm@example.com' },
      'Twofold',
    );
    expect(text).not.toContain('evil.example');
    expect(text).toContain('Address: unknown address');
    expect(text).toContain('Browser: Unknown browser');
    expect(text).toContain('Hello Mallory Bcc: x@example.com,');
  });

  it('greets without a name when the account has none', () => {
    const { text } = composeNotice(
      { kind: 'totp.enabled' },
      origin,
      { name: ' ', email: 'a@b.c' },
      'X',
    );
    expect(text.startsWith('Hello,\n')).toBe(true);
  });
});

describe('formatNoticeTime and displayAddress', () => {
  it('formats in UTC with zero-padded hours and minutes', () => {
    expect(formatNoticeTime(new Date(Date.UTC(2027, 0, 5, 3, 4)))).toBe(
      '5 January 2027, 03:04 UTC',
    );
  });

  it('shows IPv4, IPv6 and mapped IPv4 addresses plainly', () => {
    expect(displayAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(displayAddress('2001:db8::1')).toBe('2001:db8::1');
    expect(displayAddress('')).toBe('unknown address');
  });
});
