import type { Connection, mongo } from 'mongoose';

/**
 * Where a key is in its rotation: `next` is published in the JWKS but does not sign yet (so
 * relying parties' caches learn it first), `active` signs, `retiring` only verifies tokens it
 * signed until they have all expired. Keys stored before rotation existed have no state: active.
 */
export type SigningKeyState = 'next' | 'active' | 'retiring';

/** A private signing key as stored: the JWK is sealed (encrypted) by the caller. */
export interface StoredSigningKey {
  _id: string;
  alg: string;
  sealedJwk: string;
  createdAt: Date;
  state?: SigningKeyState;
  /** When a provider first published this key in its JWKS. */
  publishedAt?: Date;
  /** When a provider first signed with this key. */
  signingSince?: Date;
}

/** Signing keys shared by every instance, created once (the first writer wins). */
export function signingKeysRepository(connection: Connection) {
  const collection = () => (connection.db as mongo.Db).collection<StoredSigningKey>('signing_keys');
  /** Sets `field` to `at` unless a provider already did (the earliest time is the one kept). */
  const stampOnce = async (id: string, field: 'publishedAt' | 'signingSince', at: Date) => {
    await collection().updateOne(
      { _id: id, [field]: { $exists: false } },
      { $set: { [field]: at } },
    );
  };
  return {
    async list(): Promise<StoredSigningKey[]> {
      return collection().find().sort({ createdAt: 1 }).toArray();
    },
    /** Inserts unless a key with this id exists; returns false when another instance won. */
    async insertIfAbsent(key: StoredSigningKey): Promise<boolean> {
      try {
        await collection().insertOne(key);
        return true;
      } catch (error) {
        if ((error as { code?: number }).code === 11000) return false;
        throw error;
      }
    },
    markPublished: (id: string, at: Date) => stampOnce(id, 'publishedAt', at),
    markSigning: (id: string, at: Date) => stampOnce(id, 'signingSince', at),
    /** Makes a `next` key the active one; false if it is no longer `next`. */
    async activate(id: string): Promise<boolean> {
      const result = await collection().updateOne(
        { _id: id, state: 'next' },
        { $set: { state: 'active' } },
      );
      return result.matchedCount === 1;
    },
    /** Stops a key from signing: it keeps verifying until its tokens have expired. */
    async retire(id: string): Promise<void> {
      await collection().updateOne(
        { _id: id, state: { $ne: 'retiring' } },
        { $set: { state: 'retiring' } },
      );
    },
    /** Deletes a retiring key whose tokens have all expired. */
    async removeRetired(id: string): Promise<void> {
      await collection().deleteOne({ _id: id, state: 'retiring' });
    },
    /** Replaces the sealed JWK with the same key sealed again, if it is still `from`. */
    async reseal(id: string, from: string, to: string): Promise<boolean> {
      const result = await collection().updateOne(
        { _id: id, sealedJwk: from },
        { $set: { sealedJwk: to } },
      );
      return result.matchedCount === 1;
    },
  };
}

export type SigningKeysRepository = ReturnType<typeof signingKeysRepository>;
