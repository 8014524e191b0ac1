import { describe, expect, it } from '@jest/globals';
import type { StoredSigningKey } from '../store/repos/signing-keys.repo.ts';
import {
  activatableAt,
  isRetired,
  keysToPublish,
  longestSignedTokenTtlMs,
  PUBLISH_BEFORE_SIGNING_MS,
  signerOf,
} from './signing-key-states.ts';

const HOUR = 60 * 60 * 1000;
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);

function key(id: string, fields: Partial<StoredSigningKey> = {}): StoredSigningKey {
  return { _id: id, alg: id.split('-')[0] ?? '', sealedJwk: '', createdAt: t0, ...fields };
}

describe('signing key rotation states', () => {
  const legacy = key('ES256-1', { signingSince: t0 });
  const rsa = key('RS256-1', { state: 'active', signingSince: t0 });

  it('signs with the active key (keys stored before rotation count as active)', () => {
    const next = key('ES256-2', { state: 'next', createdAt: at(1), publishedAt: at(2) });
    const published = keysToPublish([legacy, rsa, next], HOUR, at(3));
    expect(published.map(({ key: k, signs }) => [k._id, signs])).toEqual([
      ['ES256-1', true],
      ['RS256-1', true],
      ['ES256-2', false],
    ]);
  });

  it('lets the newest active key sign when an activation was interrupted', () => {
    const newer = key('ES256-2', { state: 'active', createdAt: at(1) });
    expect(signerOf([legacy, newer], 'ES256')?._id).toBe('ES256-2');
    expect(keysToPublish([legacy, newer], HOUR, at(2)).find((p) => p.signs)?.key._id).toBe(
      'ES256-2',
    );
  });

  it('keeps a retiring key published until its successor has signed longer than a token lives', () => {
    const old = key('ES256-1', { state: 'retiring' });
    const successor = key('ES256-2', { state: 'active', createdAt: at(1), signingSince: at(30) });
    expect(isRetired(old, [old, successor], HOUR, at(31))).toBe(false);
    expect(isRetired(old, [old, successor], HOUR, at(31.5))).toBe(true);
    expect(keysToPublish([old, successor], HOUR, at(32)).map((p) => p.key._id)).toEqual([
      'ES256-2',
    ]);
    // No provider has signed with the successor yet: the old key may still be signing.
    const unused = { ...successor, signingSince: undefined };
    expect(isRetired(old, [old, unused], HOUR, at(1000))).toBe(false);
  });

  it('lets a next key sign only after it was published for the wait', () => {
    expect(activatableAt(key('ES256-2', { state: 'next' }))).toBeNull();
    expect(activatableAt(key('ES256-2', { state: 'next', publishedAt: at(2) }))).toEqual(
      new Date(at(2).getTime() + PUBLISH_BEFORE_SIGNING_MS),
    );
  });

  it('counts the longest lifetime of ID and access tokens', () => {
    expect(longestSignedTokenTtlMs({ idToken: 3600, accessToken: 600 })).toBe(3_600_000);
    expect(longestSignedTokenTtlMs({ idToken: 300, accessToken: 7200 })).toBe(7_200_000);
  });
});
