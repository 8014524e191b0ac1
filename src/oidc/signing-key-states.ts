import type { SigningKeyState, StoredSigningKey } from '../store/repos/signing-keys.repo.ts';

/** ES256 signs by default; RS256 is published too for relying parties that only know RSA. */
export const SIGNING_ALGORITHMS = ['ES256', 'RS256'] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

/**
 * How long a new key is published before it may sign. Relying parties cache the JWKS (commonly up
 * to a day) and may not refetch it on an unknown `kid`; a token signed with a key missing from
 * their cached copy would be rejected (OpenID Connect Core 1.0 section 10.1.1, RFC 7517).
 */
export const PUBLISH_BEFORE_SIGNING_MS = 24 * 60 * 60 * 1000;

/** Beyond the token lifetime: clock skew between instances and the time a rolling restart takes. */
const RETIRE_MARGIN_MS = 15 * 60 * 1000;

/** A key's rotation state; keys stored before rotation existed are active. */
export function stateOf(key: Pick<StoredSigningKey, 'state'>): SigningKeyState {
  return key.state ?? 'active';
}

/** The key that signs for `alg`: the newest active one (an interrupted activation leaves two). */
export function signerOf(
  keys: readonly StoredSigningKey[],
  alg: string,
): StoredSigningKey | undefined {
  return keys
    .filter((key) => key.alg === alg && stateOf(key) === 'active')
    .reduce<StoredSigningKey | undefined>(
      (newest, key) => (!newest || key.createdAt > newest.createdAt ? key : newest),
      undefined,
    );
}

/**
 * True when a retiring key can no longer have signed a valid token: its successor has signed
 * for longer than the longest signed token lives. Until then it stays in the JWKS so tokens issued
 * before the rotation keep verifying.
 */
export function isRetired(
  key: StoredSigningKey,
  keys: readonly StoredSigningKey[],
  longestTokenTtlMs: number,
  now: Date,
): boolean {
  if (stateOf(key) !== 'retiring') return false;
  const since = signerOf(keys, key.alg)?.signingSince;
  return (
    since !== undefined && now.getTime() >= since.getTime() + longestTokenTtlMs + RETIRE_MARGIN_MS
  );
}

/** A key the JWKS publishes, and whether the provider signs with it. */
export interface PublishedKey {
  key: StoredSigningKey;
  signs: boolean;
}

/**
 * What the provider publishes: one signer per algorithm first (in {@link SIGNING_ALGORITHMS}
 * order), then the verify-only keys (`next` and not yet retired `retiring` keys).
 */
export function keysToPublish(
  keys: readonly StoredSigningKey[],
  longestTokenTtlMs: number,
  now: Date,
): PublishedKey[] {
  const signers = SIGNING_ALGORITHMS.map((alg) => signerOf(keys, alg)).filter(
    (key): key is StoredSigningKey => key !== undefined,
  );
  const verifyOnly = keys.filter(
    (key) => !signers.includes(key) && !isRetired(key, keys, longestTokenTtlMs, now),
  );
  return [
    ...signers.map((key) => ({ key, signs: true })),
    ...verifyOnly.map((key) => ({ key, signs: false })),
  ];
}

/** When a `next` key may start signing, or null while no provider has published it yet. */
export function activatableAt(key: StoredSigningKey): Date | null {
  return key.publishedAt ? new Date(key.publishedAt.getTime() + PUBLISH_BEFORE_SIGNING_MS) : null;
}

/**
 * How long a token signed by the provider can stay valid: ID tokens, and access tokens too in
 * case they are ever issued as JWTs (RFC 9068). Refresh tokens are opaque and never signed.
 */
export function longestSignedTokenTtlMs(ttl: { idToken: number; accessToken: number }): number {
  return Math.max(ttl.idToken, ttl.accessToken) * 1000;
}
