import { generateKeyPairSync, createHash } from 'node:crypto';
import type { JWK } from 'oidc-provider';
import { openSecret, sealSecret, type KeyRing } from '../domain/secret-box.ts';
import type { SigningKeysRepository } from '../store/repos/signing-keys.repo.ts';

/** ES256 signs by default; RS256 is published too for relying parties that only know RSA. */
const ALGORITHMS = ['ES256', 'RS256'] as const;

function generate(alg: (typeof ALGORITHMS)[number]): JWK {
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

/**
 * Loads the signing keys from MongoDB, generating them on first start. Several instances share
 * one set (the first to insert wins), so tokens verify whichever instance issued them. Private
 * keys are sealed with the same AES-256-GCM key ring as TOTP secrets.
 */
export async function loadSigningKeys(repo: SigningKeysRepository, ring: KeyRing): Promise<JWK[]> {
  const existing = await repo.list();
  for (const alg of ALGORITHMS) {
    if (existing.some((key) => key.alg === alg)) continue;
    const jwk = generate(alg);
    await repo.insertIfAbsent({
      _id: `${alg}-1`,
      alg,
      sealedJwk: sealSecret(ring, JSON.stringify(jwk), `signing-key:${alg}-1`),
      createdAt: new Date(),
    });
  }
  const keys = await repo.list();
  const order = (alg: string) => ALGORITHMS.indexOf(alg as (typeof ALGORITHMS)[number]);
  return keys
    .sort((a, b) => order(a.alg) - order(b.alg))
    .map((key) => JSON.parse(openSecret(ring, key.sealedJwk, `signing-key:${key._id}`)) as JWK);
}
