import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { isAppError } from './errors.ts';
import { needsReseal, openSecret, parseKeyRing, sealSecret } from './secret-box.ts';

const KEY_A = randomBytes(32).toString('base64');
const KEY_B = randomBytes(32).toString('base64');
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

function expectAppError(fn: () => unknown, code: string, message?: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(isAppError(error)).toBe(true);
    expect((error as { code: string }).code).toBe(code);
    if (message) expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected an AppError');
}

describe('parseKeyRing', () => {
  it('reads several keys, the first being active', () => {
    const ring = parseKeyRing(`k2:${KEY_B}, k1:${KEY_A}`);
    expect(ring.activeKeyId).toBe('k2');
    expect([...ring.keys.keys()]).toEqual(['k2', 'k1']);
    expect(ring.keys.get('k1')).toEqual(Buffer.from(KEY_A, 'base64'));
  });

  it('accepts base64url keys', () => {
    const key = randomBytes(32);
    expect(parseKeyRing(`a_b-1:${key.toString('base64url')}`).keys.get('a_b-1')).toEqual(key);
  });

  it.each([
    ['', /empty/],
    [' , ', /empty/],
    [KEY_A, /key id/],
    [`:${KEY_A}`, /key id/],
    [`bad.kid:${KEY_A}`, /key id/],
    [`${'k'.repeat(33)}:${KEY_A}`, /key id/],
    [`k1:${randomBytes(16).toString('base64')}`, /exactly 32 bytes/],
    [`k1:${randomBytes(33).toString('base64')}`, /exactly 32 bytes/],
    ['k1:not base64!!', /exactly 32 bytes/],
    [`k1:${KEY_A},k1:${KEY_B}`, /twice/],
  ])('rejects %j', (spec, message) => {
    expectAppError(() => parseKeyRing(spec), 'validation_failed', message);
  });

  it('never puts key material in error messages', () => {
    const short = randomBytes(31).toString('base64');
    try {
      parseKeyRing(`k1:${short}`);
    } catch (error) {
      expect((error as Error).message).not.toContain(short);
    }
  });
});

describe('sealSecret / openSecret', () => {
  const ring = parseKeyRing(`k1:${KEY_A}`);

  it('round-trips with a fresh IV each time', () => {
    const sealed = sealSecret(ring, SECRET, 'user-1');
    expect(sealed).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(SECRET);
    expect(openSecret(ring, sealed, 'user-1')).toBe(SECRET);
    expect(sealSecret(ring, SECRET, 'user-1')).not.toBe(sealed);
  });

  it('detects tampering in any part', () => {
    const sealed = sealSecret(ring, SECRET, 'user-1');
    const parts = sealed.split('.');
    for (const index of [2, 3, 4]) {
      const bytes = Buffer.from(parts[index]!, 'base64url');
      bytes[0] = bytes[0]! ^ 1;
      const tampered = parts
        .map((part, i) => (i === index ? bytes.toString('base64url') : part))
        .join('.');
      expectAppError(() => openSecret(ring, tampered, 'user-1'), 'internal', /cannot be decrypted/);
    }
    for (const garbage of [
      '',
      'v1',
      'v2.k1.a.b.c',
      `${sealed}.extra`,
      sealed.replace('v1.k1', 'v1.zz'),
    ]) {
      expectAppError(() => openSecret(ring, garbage, 'user-1'), 'internal', /cannot be decrypted/);
    }
  });

  it('refuses a ciphertext moved to another user', () => {
    const sealed = sealSecret(ring, SECRET, 'user-1');
    expectAppError(() => openSecret(ring, sealed, 'user-2'), 'internal', /cannot be decrypted/);
  });

  it('supports key rotation', () => {
    const oldSealed = sealSecret(ring, SECRET, 'user-1');
    const rotated = parseKeyRing(`k2:${KEY_B},k1:${KEY_A}`);
    expect(openSecret(rotated, oldSealed, 'user-1')).toBe(SECRET);
    expect(needsReseal(rotated, oldSealed)).toBe(true);
    const newSealed = sealSecret(rotated, SECRET, 'user-1');
    expect(newSealed.startsWith('v1.k2.')).toBe(true);
    expect(needsReseal(rotated, newSealed)).toBe(false);
    expectAppError(() => openSecret(ring, newSealed, 'user-1'), 'internal');
    expect(needsReseal(rotated, 'garbage')).toBe(true);
  });
});
