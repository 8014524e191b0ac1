import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError } from './errors.ts';

/** Encryption keys for secrets at rest; the active one seals, every listed one may open (rotation). */
export interface KeyRing {
  activeKeyId: string;
  keys: ReadonlyMap<string, Buffer>;
}

const KID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]+={0,2}|[A-Za-z0-9_-]+)$/;
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Reads the key ring from configuration (`kid1:BASE64KEY,kid2:BASE64KEY`, first is active).
 * AES-256 needs exactly 32-byte keys; errors name the key id, never the key material.
 */
export function parseKeyRing(spec: string): KeyRing {
  const entries = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) {
    throw new AppError(
      'validation_failed',
      'secret key ring is empty; expected "kid:BASE64KEY[,kid:BASE64KEY...]"',
    );
  }
  const keys = new Map<string, Buffer>();
  let activeKeyId = '';
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const kid = colon === -1 ? '' : entry.slice(0, colon);
    const encoded = colon === -1 ? '' : entry.slice(colon + 1);
    if (!KID_PATTERN.test(kid)) {
      throw new AppError(
        'validation_failed',
        `secret key ring entry ${index + 1} needs a key id of 1-32 letters, digits, "_" or "-" before ":"`,
      );
    }
    if (keys.has(kid))
      throw new AppError('validation_failed', `secret key id "${kid}" appears twice`);
    const key = BASE64_PATTERN.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) {
      throw new AppError(
        'validation_failed',
        `secret key "${kid}" must be base64 of exactly 32 bytes`,
      );
    }
    keys.set(kid, key);
    activeKeyId ||= kid;
  }
  return { activeKeyId, keys };
}

/**
 * Encrypts a secret (e.g. a TOTP seed) with AES-256-GCM under the active key and a random 96-bit
 * IV (NIST SP 800-38D). `associatedData` (the owner's user id) is authenticated, so a ciphertext
 * copied onto another user's record will not open.
 */
export function sealSecret(ring: KeyRing, plaintext: string, associatedData: string): string {
  const key = ring.keys.get(ring.activeKeyId);
  if (!key) throw new AppError('internal', 'active secret key is missing from the key ring');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const parts = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
  return [VERSION, ring.activeKeyId, ...parts].join('.');
}

interface SealedParts {
  kid: string;
  iv: Buffer;
  tag: Buffer;
  ciphertext: Buffer;
}

function parseSealed(sealed: string): SealedParts | null {
  const [version, kid, iv, tag, ciphertext, ...rest] = sealed.split('.');
  if (version !== VERSION || rest.length > 0) return null;
  if (kid === undefined || iv === undefined || tag === undefined || ciphertext === undefined)
    return null;
  return {
    kid,
    iv: Buffer.from(iv, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
    ciphertext: Buffer.from(ciphertext, 'base64url'),
  };
}

/**
 * Decrypts what {@link sealSecret} produced. Unknown key, tampering and a mismatched owner all fail
 * alike (GCM authentication), with no detail that could help an attacker.
 */
export function openSecret(ring: KeyRing, sealed: string, associatedData: string): string {
  const parts = parseSealed(sealed);
  const key = parts && ring.keys.get(parts.kid);
  if (!parts || !key || parts.iv.length !== IV_BYTES || parts.tag.length !== TAG_BYTES) {
    throw new AppError('internal', 'stored secret cannot be decrypted');
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(parts.tag);
    return Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new AppError('internal', 'stored secret cannot be decrypted');
  }
}

/** True when a value was not sealed with the active key, so key rotation can re-encrypt it. */
export function needsReseal(ring: KeyRing, sealed: string): boolean {
  return parseSealed(sealed)?.kid !== ring.activeKeyId;
}

/**
 * The id of the key a value was sealed with (null if it is not a sealed value), so key rotation
 * can name a missing key without ever showing key material or the secret.
 */
export function sealedKeyId(sealed: string): string | null {
  return parseSealed(sealed)?.kid ?? null;
}
