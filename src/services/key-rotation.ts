import { AppError } from '../domain/errors.ts';
import {
  needsReseal,
  openSecret,
  sealedKeyId,
  sealSecret,
  type KeyRing,
} from '../domain/secret-box.ts';
import { addSigningKey, openSigningKey, signingKeyAad } from '../oidc/keys.ts';
import {
  activatableAt,
  isRetired,
  PUBLISH_BEFORE_SIGNING_MS,
  SIGNING_ALGORITHMS,
  stateOf,
} from '../oidc/signing-key-states.ts';
import type { Store } from '../store/index.ts';
import type { StoredSigningKey } from '../store/repos/signing-keys.repo.ts';

/** One value sealed with the key ring, and how to swap it for a re-sealed copy. */
interface SealedValue {
  sealed: string;
  associatedData: string;
  /** Writes `to` only if the stored value is still `sealed`; false when it changed meanwhile. */
  replace(to: string): Promise<boolean>;
}

/** What re-sealing did to one kind of value. */
export interface ResealCounts {
  resealed: number;
  alreadyCurrent: number;
  /** Changed by the running provider between the read and the write: re-read in the next pass. */
  changedMeanwhile: number;
  /** Sealed with a key id that is not in the ring: these cannot be re-sealed. */
  unreadable: number;
}

/** What `keys:reseal` did, per kind of sealed value. */
export interface ResealReport {
  activeKeyId: string;
  counts: Record<'credentials' | 'enrollments' | 'signingKeys', ResealCounts>;
  /** Key ids found on values the ring cannot open (never key material). */
  missingKeyIds: string[];
  /** Values still sealed with another key than the active one after the last pass. */
  remaining: number;
}

/** A signing key taking part in a rotation, as the operator sees it. */
export interface RotationKey {
  alg: string;
  id: string;
  kid: string;
  publishedAt: Date | null;
  activatableAt: Date | null;
  created: boolean;
}

const MAX_PASSES = 3;
const PUBLISH_WAIT = `${PUBLISH_BEFORE_SIGNING_MS / 3_600_000} hours`;

const zero = (): ResealCounts => ({
  resealed: 0,
  alreadyCurrent: 0,
  changedMeanwhile: 0,
  unreadable: 0,
});

/**
 * Key rotation without downtime (README "Key rotation").
 *
 * `reseal` re-encrypts every value sealed with the key ring (TOTP secrets, pending enrollments,
 * signing keys) under the ring's first key, so older keys can be removed from
 * `TOTP_ENCRYPTION_KEYS`. Each value is swapped with a write conditional on the value read, so a
 * concurrent change by the running provider (a new authenticator, a code acceptance) is never
 * overwritten; changed values are read again in another pass. Idempotent.
 *
 * `publishNextSigningKeys` and `activateNextSigningKeys` rotate the token signing keys in two
 * steps, so relying parties see a key in the JWKS before any token is signed with it.
 */
export function keyRotationService(deps: {
  store: Store;
  ring: KeyRing;
  longestTokenTtlMs: number;
}) {
  const { store, ring } = deps;

  async function sealedValues(): Promise<Record<keyof ResealReport['counts'], SealedValue[]>> {
    const enrollments = (await store.enrollments.livePending()).map((pending) => ({
      sealed: pending.sealedSecret,
      associatedData: pending.userId,
      replace: (to: string) => store.enrollments.reseal(pending.channel, pending.sealedSecret, to),
    }));
    const credentials = (await store.credentials.sealedTotpSecrets()).map((credential) => ({
      sealed: credential.sealedSecret,
      associatedData: credential.userId,
      replace: (to: string) =>
        store.credentials.resealTotp(credential.userId, credential.sealedSecret, to),
    }));
    const signingKeys = (await store.signingKeys.list()).map((key) => ({
      sealed: key.sealedJwk,
      associatedData: signingKeyAad(key._id),
      replace: (to: string) => store.signingKeys.reseal(key._id, key.sealedJwk, to),
    }));
    // Enrollments first: a set-up confirmed during the pass copies its secret to `credentials`.
    return { enrollments, credentials, signingKeys };
  }

  async function resealOne(value: SealedValue, counts: ResealCounts, missing: Set<string>) {
    if (!needsReseal(ring, value.sealed)) {
      counts.alreadyCurrent++;
      return;
    }
    let plaintext: string;
    try {
      plaintext = openSecret(ring, value.sealed, value.associatedData);
    } catch {
      counts.unreadable++;
      missing.add(sealedKeyId(value.sealed) ?? '(not a sealed value)');
      return;
    }
    const resealed = sealSecret(ring, plaintext, value.associatedData);
    if (await value.replace(resealed)) counts.resealed++;
    else counts.changedMeanwhile++;
  }

  async function signingKeyView(key: StoredSigningKey, created: boolean): Promise<RotationKey> {
    return {
      alg: key.alg,
      id: key._id,
      kid: String(openSigningKey(ring, key).kid),
      publishedAt: key.publishedAt ?? null,
      activatableAt: activatableAt(key),
      created,
    };
  }

  return {
    async reseal(): Promise<ResealReport> {
      const counts = { credentials: zero(), enrollments: zero(), signingKeys: zero() };
      const missing = new Set<string>();
      let remaining = 0;
      for (let pass = 0; pass < MAX_PASSES; pass++) {
        const passCounts = { credentials: zero(), enrollments: zero(), signingKeys: zero() };
        const values = await sealedValues();
        for (const kind of ['enrollments', 'credentials', 'signingKeys'] as const) {
          for (const value of values[kind]) await resealOne(value, passCounts[kind], missing);
          counts[kind].resealed += passCounts[kind].resealed;
          // The last pass tells what is current, unreadable and still changing now.
          counts[kind].alreadyCurrent = passCounts[kind].alreadyCurrent;
          counts[kind].unreadable = passCounts[kind].unreadable;
          counts[kind].changedMeanwhile = passCounts[kind].changedMeanwhile;
        }
        const kinds = Object.values(passCounts);
        remaining = kinds.reduce((sum, c) => sum + c.changedMeanwhile + c.unreadable, 0);
        if (kinds.every((c) => c.changedMeanwhile === 0)) break;
      }
      return { activeKeyId: ring.activeKeyId, counts, missingKeyIds: [...missing], remaining };
    },

    /**
     * Step 1 of a signing-key rotation: adds a `next` key per algorithm (unless one is waiting),
     * which providers publish in the JWKS from their next start but never sign with. Also deletes
     * retiring keys whose tokens have all expired.
     */
    async publishNextSigningKeys(
      now: Date = new Date(),
    ): Promise<{ next: RotationKey[]; removed: string[] }> {
      const keys = await store.signingKeys.list();
      const removed: string[] = [];
      for (const key of keys) {
        if (!isRetired(key, keys, deps.longestTokenTtlMs, now)) continue;
        await store.signingKeys.removeRetired(key._id);
        removed.push(key._id);
      }
      const next: RotationKey[] = [];
      for (const alg of SIGNING_ALGORITHMS) {
        const waiting = keys.find((key) => key.alg === alg && stateOf(key) === 'next');
        if (waiting) {
          next.push(await signingKeyView(waiting, false));
          continue;
        }
        const { key } = await addSigningKey(store.signingKeys, ring, alg, 'next', now);
        next.push(await signingKeyView(key, true));
      }
      return { next, removed };
    },

    /**
     * Step 2: the `next` keys sign from the providers' next start, and the keys they replace
     * become `retiring`: still published, for verification only, until every token they signed
     * has expired. Refused (nothing changes) unless every next key has been published for
     * {@link PUBLISH_BEFORE_SIGNING_MS}, so relying parties' cached JWKS already hold it.
     */
    async activateNextSigningKeys(
      now: Date = new Date(),
    ): Promise<Array<{ activated: RotationKey; retiring: string[] }>> {
      const keys = await store.signingKeys.list();
      const plan = SIGNING_ALGORITHMS.map((alg) => {
        const next = keys.find((key) => key.alg === alg && stateOf(key) === 'next');
        if (!next) {
          throw new AppError(
            'conflict',
            `No ${alg} key is waiting to sign. Run keys:rotate-signing first.`,
          );
        }
        const from = activatableAt(next);
        if (!from) {
          throw new AppError(
            'conflict',
            `The next ${alg} key (${next._id}) is not published yet: restart the provider so its JWKS lists it, then wait ${PUBLISH_WAIT}.`,
          );
        }
        if (now < from) {
          throw new AppError(
            'conflict',
            `The next ${alg} key (${next._id}) may sign from ${from.toISOString()}, ${PUBLISH_WAIT} after it was first published, so relying parties' cached JWKS know it.`,
          );
        }
        const replaced = keys.filter(
          (key) => key.alg === alg && key._id !== next._id && stateOf(key) === 'active',
        );
        return { next, replaced };
      });
      const results: Array<{ activated: RotationKey; retiring: string[] }> = [];
      for (const { next, replaced } of plan) {
        // Activate first: an interruption leaves two active keys, and the newest signs.
        await store.signingKeys.activate(next._id);
        for (const key of replaced) await store.signingKeys.retire(key._id);
        results.push({
          activated: await signingKeyView(next, false),
          retiring: replaced.map((key) => key._id),
        });
      }
      return results;
    },
  };
}

export type KeyRotationService = ReturnType<typeof keyRotationService>;
