import type { Connection, mongo } from 'mongoose';

/** A private signing key as stored: the JWK is sealed (encrypted) by the caller. */
export interface StoredSigningKey {
  _id: string;
  alg: string;
  sealedJwk: string;
  createdAt: Date;
}

/** Signing keys shared by every instance, created once (the first writer wins). */
export function signingKeysRepository(connection: Connection) {
  const collection = () => (connection.db as mongo.Db).collection<StoredSigningKey>('signing_keys');
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
  };
}

export type SigningKeysRepository = ReturnType<typeof signingKeysRepository>;
