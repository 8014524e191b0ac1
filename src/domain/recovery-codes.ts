import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

/** Crockford's base32 alphabet: no i, l, o or u, so codes read back from paper are unambiguous. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const CODE_LENGTH = 10;
const CODE_PATTERN = /^[0-9a-hjkmnp-tv-z]{10}$/;

function randomCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i += 1) code += ALPHABET.charAt(randomInt(ALPHABET.length));
  return code;
}

function digest(normalizedCode: string): string {
  return createHash('sha256').update(normalizedCode, 'utf8').digest('hex');
}

/**
 * One-time recovery codes for a lost authenticator: `count` codes of 50 random bits each, shown as
 * `xxxxx-xxxxx`, and the hashes to store instead of the codes.
 */
export function generateRecoveryCodes(count = 10): { codes: string[]; hashes: string[] } {
  const raw = Array.from({ length: count }, randomCode);
  return {
    codes: raw.map((code) => `${code.slice(0, 5)}-${code.slice(5)}`),
    hashes: raw.map(digest),
  };
}

/**
 * The stored form of a recovery code: hex SHA-256 of the normalized code (case folded, spaces and
 * dashes dropped, Crockford look-alikes o→0, i/l→1), or null when it cannot be a code. A fast
 * hash is acceptable because each code carries 50 random bits and guessing is throttled online.
 */
export function hashRecoveryCode(input: string): string | null {
  const normalized = input
    .toLowerCase()
    .replace(/[\s-]/g, '')
    .replace(/o/g, '0')
    .replace(/[il]/g, '1');
  if (!CODE_PATTERN.test(normalized)) return null;
  return digest(normalized);
}

/**
 * Index of the stored hash that `input` matches, or -1. Every hash is compared in constant time so
 * response timing reveals nothing about stored codes; the caller removes the used hash (one-time).
 */
export function matchRecoveryCode(input: string, hashes: readonly string[]): number {
  const hash = hashRecoveryCode(input);
  if (hash === null) return -1;
  const candidate = Buffer.from(hash, 'hex');
  let found = -1;
  hashes.forEach((stored, index) => {
    const bytes = Buffer.from(stored, 'hex');
    if (bytes.length === candidate.length && timingSafeEqual(bytes, candidate) && found === -1)
      found = index;
  });
  return found;
}
