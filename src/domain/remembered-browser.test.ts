import { afterEach, describe, expect, it, jest } from '@jest/globals';
import {
  describeUserAgent,
  hashRememberToken,
  isRememberedBrowserUsable,
  newRememberToken,
  rememberedUntil,
} from './remembered-browser.ts';

const OWNER = { userId: 'u1', enrollmentId: 'e1' };

describe('remember tokens', () => {
  it('are 256-bit base64url values whose hash is stored', () => {
    const { token, hash } = newRememberToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashRememberToken(token)).toBe(hash);
    const tokens = new Set(Array.from({ length: 100 }, () => newRememberToken().token));
    expect(tokens.size).toBe(100);
  });

  it('hash differently when tampered, and garbage is ignored', () => {
    const { token, hash } = newRememberToken();
    const tampered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect(hashRememberToken(tampered)).not.toBe(hash);
    for (const bad of [
      undefined,
      null,
      42,
      '',
      'short',
      `${token}x`,
      `${token.slice(0, -1)}=`,
      `${token.slice(0, -1)}/`,
    ]) {
      expect(hashRememberToken(bad)).toBeNull();
    }
  });
});

describe('remembered browser records', () => {
  afterEach(() => {
    jest.useRealTimers();
  });

  it('are usable until exactly 90 days later', () => {
    jest.useFakeTimers();
    jest.setSystemTime(new Date('2030-03-01T12:00:00Z'));
    const record = { ...OWNER, expiresAt: rememberedUntil(new Date(), 90), revokedAt: null };
    expect(record.expiresAt.toISOString()).toBe('2030-05-30T12:00:00.000Z');
    expect(isRememberedBrowserUsable(record, OWNER, new Date())).toBe(true);
    jest.advanceTimersByTime(90 * 24 * 3600 * 1000 - 1);
    expect(isRememberedBrowserUsable(record, OWNER, new Date())).toBe(true);
    jest.advanceTimersByTime(1);
    expect(isRememberedBrowserUsable(record, OWNER, new Date())).toBe(false);
  });

  it('are bound to the user and to the enrollment, and can be revoked', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const record = { ...OWNER, expiresAt: rememberedUntil(now, 90) };
    expect(isRememberedBrowserUsable(record, OWNER, now)).toBe(true);
    expect(isRememberedBrowserUsable(record, { ...OWNER, userId: 'u2' }, now)).toBe(false);
    expect(isRememberedBrowserUsable(record, { ...OWNER, enrollmentId: 'e2' }, now)).toBe(false);
    expect(isRememberedBrowserUsable({ ...record, revokedAt: now }, OWNER, now)).toBe(false);
  });
});

describe('describeUserAgent', () => {
  it.each([
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
      'Chrome on Linux',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0',
      'Firefox on Windows',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      'Safari on iOS',
    ],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
      'Safari on macOS',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
      'Edge on Windows',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
      'Chrome on Android',
    ],
    ['curl/8.5.0', 'Unknown browser'],
    [undefined, 'Unknown browser'],
    ['', 'Unknown browser'],
  ])('%s -> %s', (ua, label) => {
    expect(describeUserAgent(ua)).toBe(label);
  });

  it('never returns more than 80 characters', () => {
    expect(describeUserAgent(`Firefox/1 ${'x'.repeat(10_000)} Windows`).length).toBeLessThanOrEqual(
      80,
    );
  });
});
