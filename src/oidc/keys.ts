import { generateKeyPairSync, createHash } from 'node:crypto';
import type { JWK } from 'oidc-provider';
import { openSecret, sealSecret, type KeyRing } from '../domain/secret-box.ts';
import type {
  SigningKeyState,
  SigningKeysRepository,
  StoredSigningKey,
} from '../store/repos/signing-keys.repo.ts';
import { keysToPublish, SIGNING_ALGORITHMS, type SigningAlgorithm } from './signing-key-states.ts';

/** A new private key with its RFC 7638 thumbprint as `kid`. */
function generate(alg: SigningAlgorithm): JWK {
  const { privateKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  const thumbprintInput =
    alg === 'ES256'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  const kid = createHash('sha256').update(JSON.stringify(thumbprintInput)).digest('base64url');
  return { ...jwk, kid, alg, use: 'sig' };
}

/** Associated data binding a sealed key to its record, so sealed keys cannot be swapped. */
export function signingKeyAad(id: string): string {
  return `signing-key:${id}`;
}

/** Opens a stored key's private JWK. */
export function openSigningKey(ring: KeyRing, key: StoredSigningKey): JWK {
  return JSON.parse(openSecret(ring, key.sealedJwk, signingKeyAad(key._id))) as JWK;
}

/**
 * Generates and stores a new key for `alg`, sealed with the active key of the ring. Ids count up
 * per algorithm (`ES256-1`, `ES256-2`...); when another process took the id first, the next one
 * is tried. Returns the stored record and its `kid`.
 */
export async function addSigningKey(
  repo: SigningKeysRepository,
  ring: KeyRing,
  alg: SigningAlgorithm,
  state: SigningKeyState,
  now: Date,
): Promise<{ key: StoredSigningKey; kid: string }> {
  const jwk = generate(alg);
  const used = (await repo.list())
    .filter((key) => key.alg === alg)
    .map((key) => Number(key._id.slice(alg.length + 1)) || 0);
  for (let n = Math.max(0, ...used) + 1; ; n++) {
    const id = `${alg}-${n}`;
    const key: StoredSigningKey = {
      _id: id,
      alg,
      sealedJwk: sealSecret(ring, JSON.stringify(jwk), signingKeyAad(id)),
      createdAt: now,
      state,
    };
    if (await repo.insertIfAbsent(key)) return { key, kid: jwk.kid as string };
  }
}

/** The longest ID token lifetime the configuration accepts (`ID_TOKEN_TTL_SECONDS`): a safe default. */
const LONGEST_CONFIGURABLE_TTL_MS = 24 * 60 * 60 * 1000;

/** What key retirement counts with: the longest signed token's lifetime, and the time now. */
export interface LoadOptions {
  longestTokenTtlMs?: number;
  now?: Date;
}

/**
 * Loads the signing keys from MongoDB, generating them on first start. Several instances share
 * one set (the first to insert wins), so tokens verify whichever instance issued them. Private
 * keys are sealed with the same AES-256-GCM key ring as TOTP secrets.
 *
 * Rotation (`keys:rotate-signing`): only the active key of each algorithm signs; `next` keys and
 * `retiring` keys are published with `key_ops: ["verify"]`, which node-oidc-provider never picks
 * for signing. A retiring key leaves the JWKS once its successor has signed for longer than
 * `longestTokenTtlMs`. The first start that publishes or signs with a key records when, which is
 * what the rotation's waiting times count from.
 */
export async function loadSigningKeys(
  repo: SigningKeysRepository,
  ring: KeyRing,
  { longestTokenTtlMs = LONGEST_CONFIGURABLE_TTL_MS, now = new Date() }: LoadOptions = {},
): Promise<JWK[]> {
  const existing = await repo.list();
  for (const alg of SIGNING_ALGORITHMS) {
    if (existing.some((key) => key.alg === alg)) continue;
    const jwk = generate(alg);
    const id = `${alg}-1`;
    await repo.insertIfAbsent({
      _id: id,
      alg,
      sealedJwk: sealSecret(ring, JSON.stringify(jwk), signingKeyAad(id)),
      createdAt: now,
      state: 'active',
    });
  }
  const keys = await repo.list();
  const published = keysToPublish(keys, longestTokenTtlMs, now);
  for (const { key, signs } of published) {
    if (signs && !key.signingSince) await repo.markSigning(key._id, now);
    if (!key.publishedAt) await repo.markPublished(key._id, now);
  }
  return published.map(({ key, signs }) => {
    const jwk = openSigningKey(ring, key);
    return signs ? jwk : { ...jwk, key_ops: ['verify'] };
  });
}
