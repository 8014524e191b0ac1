import type { Connection, mongo } from 'mongoose';
import { compareAndSet, type Consistency } from '../consistency.ts';

/** A user's authenticator-app credential, as the store keeps it (the secret sealed). */
export interface TotpCredential {
  userId: string;
  sealedSecret: string;
  enrollmentId: string;
  enabledAt: Date;
  lastUsedStep: number | null;
}

/** A user's current set of recovery codes: only their hashes, each usable once. */
export interface RecoveryCodeSet {
  userId: string;
  hashes: string[];
  generatedAt: Date;
}

interface CredentialDoc {
  _id: string;
  userId: string;
  type: 'totp';
  sealedSecret: string;
  enrollmentId: string;
  enabledAt: Date;
  lastUsedStep?: number | null;
  rev?: number;
}

interface RecoveryDoc {
  _id: string;
  userId: string;
  type: 'recovery';
  hashes: string[];
  generatedAt: Date;
  rev?: number;
}

const key = (userId: string) => `${userId}:totp`;
const recoveryKey = (userId: string) => `${userId}:recovery`;

function toCredential(doc: CredentialDoc | null): TotpCredential | null {
  if (!doc) return null;
  return {
    userId: doc.userId,
    sealedSecret: doc.sealedSecret,
    enrollmentId: doc.enrollmentId,
    enabledAt: doc.enabledAt,
    lastUsedStep: doc.lastUsedStep ?? null,
  };
}

/**
 * `credentials`: a user's second factors, apart from the user record (the way Ory Kratos keeps
 * identity credentials and Logto keeps MFA verifications), one document per user and type,
 * keyed `<userId>:<type>` so that the sign-in reads it by `_id`.
 */
export function credentialsRepository(connection: Connection, consistency: Consistency) {
  const credentials = () => (connection.db as mongo.Db).collection<CredentialDoc>('credentials');
  const recoverySets = () => (connection.db as mongo.Db).collection<RecoveryDoc>('credentials');
  const write = <T>(userId: string, task: () => Promise<T>) =>
    consistency.exclusive('credentials', key(userId), task);

  return {
    async findTotp(userId: string): Promise<TotpCredential | null> {
      return toCredential(await credentials().findOne({ _id: key(userId) }));
    },

    /** Stores (or replaces) the user's authenticator. */
    async saveTotp(credential: TotpCredential): Promise<void> {
      const id = key(credential.userId);
      await write(credential.userId, () =>
        credentials().replaceOne(
          { _id: id },
          { ...credential, type: 'totp', rev: Math.random() },
          { upsert: true },
        ),
      );
    },

    /**
     * Accepts a time step once (RFC 6238 section 5.2): only a step newer than the last accepted
     * one, in one compare-and-set, so two requests with the same code cannot both pass.
     */
    acceptTotpStep(userId: string, enrollmentId: string, step: number): Promise<boolean> {
      return compareAndSet(consistency, credentials(), key(userId), (doc) => {
        const last = doc?.lastUsedStep ?? null;
        if (!doc || doc.enrollmentId !== enrollmentId || (last !== null && last >= step)) {
          return { result: false };
        }
        return { update: { $set: { lastUsedStep: step } }, result: true };
      });
    },

    /** Every stored authenticator secret, still sealed: what a key rotation re-seals. */
    async sealedTotpSecrets(): Promise<Array<{ userId: string; sealedSecret: string }>> {
      const docs = await credentials()
        .find({ type: 'totp' }, { projection: { userId: 1, sealedSecret: 1 } })
        .toArray();
      return docs.map(({ userId, sealedSecret }) => ({ userId, sealedSecret }));
    },

    /**
     * Swaps a sealed secret for the same secret sealed under another key, only while it is still
     * `from` (the user may have replaced the authenticator meanwhile). Only the secret changes and
     * the revision moves on, so a concurrent code acceptance is neither lost nor undone.
     */
    resealTotp(userId: string, from: string, to: string): Promise<boolean> {
      return write(userId, async () => {
        const result = await credentials().updateOne(
          { _id: key(userId), sealedSecret: from },
          { $set: { sealedSecret: to }, $inc: { rev: 1 } },
        );
        return result.matchedCount === 1;
      });
    },

    async removeTotp(userId: string): Promise<void> {
      await write(userId, () => credentials().deleteOne({ _id: key(userId) }));
    },

    async findRecoveryCodes(userId: string): Promise<RecoveryCodeSet | null> {
      const doc = await recoverySets().findOne({ _id: recoveryKey(userId) });
      return doc ? { userId, hashes: doc.hashes, generatedAt: doc.generatedAt } : null;
    },

    /** Replaces the user's recovery codes with a new set: every older code stops working. */
    async saveRecoveryCodes(set: RecoveryCodeSet): Promise<void> {
      await compareAndSet(consistency, recoverySets(), recoveryKey(set.userId), () => ({
        update: { $set: { ...set, type: 'recovery' } },
        result: undefined,
      }));
    },

    /**
     * Spends one recovery code: `pick` chooses the matching hash among the current ones, and that
     * hash is removed in the same compare-and-set, so of two requests with one code only one
     * succeeds. Answers how many codes remain, or null when none matched.
     */
    spendRecoveryCode(
      userId: string,
      pick: (hashes: readonly string[]) => number,
    ): Promise<number | null> {
      return compareAndSet(consistency, recoverySets(), recoveryKey(userId), (doc) => {
        const index = doc ? pick(doc.hashes) : -1;
        if (!doc || index < 0) return { result: null };
        const hashes = doc.hashes.filter((_, i) => i !== index);
        return { update: { $set: { hashes } }, result: hashes.length };
      });
    },

    async removeRecoveryCodes(userId: string): Promise<void> {
      await consistency.exclusive('credentials', recoveryKey(userId), () =>
        recoverySets().deleteOne({ _id: recoveryKey(userId) }),
      );
    },
  };
}

export type CredentialsRepository = ReturnType<typeof credentialsRepository>;
