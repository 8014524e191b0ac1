import type { Connection, mongo } from 'mongoose';

/**
 * Progress of one login interaction between the password and the second factor. Kept apart from
 * the provider's interaction result on purpose: a password-only `login` result would let the
 * flow complete (node-oidc-provider issue #661).
 */
export interface LoginChallenge {
  _id: string;
  accountId: string;
  expiresAt: Date;
  /** The user set up their authenticator in this interaction and is reading their recovery codes. */
  enrolled?: boolean;
}

/** Login challenges keyed by interaction uid; they expire with the interaction. */
export function loginChallengesRepository(connection: Connection) {
  const collection = () =>
    (connection.db as mongo.Db).collection<LoginChallenge>('login_challenges');
  return {
    async save(uid: string, accountId: string, expiresAt: Date): Promise<void> {
      await collection().replaceOne({ _id: uid }, { accountId, expiresAt }, { upsert: true });
    },
    /** Marks that the authenticator was set up in this interaction (only the code list remains). */
    async markEnrolled(uid: string): Promise<void> {
      await collection().updateOne({ _id: uid }, { $set: { enrolled: true } });
    },
    async find(uid: string): Promise<LoginChallenge | null> {
      const doc = await collection().findOne({ _id: uid });
      return doc && doc.expiresAt.getTime() > Date.now() ? doc : null;
    },
    async delete(uid: string): Promise<void> {
      await collection().deleteOne({ _id: uid });
    },
  };
}

export type LoginChallengesRepository = ReturnType<typeof loginChallengesRepository>;
