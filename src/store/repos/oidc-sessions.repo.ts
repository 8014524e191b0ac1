import type { Connection, mongo } from 'mongoose';
import { oidcCollectionName } from '../oidc-adapter.ts';

/**
 * Ends a user's single sign-on at the provider: their sessions go, and so do their grants, which
 * makes every refresh token and access token minted under them unusable.
 */
export function oidcSessionsRepository(connection: Connection) {
  const db = () => connection.db as mongo.Db;
  return {
    async revokeForAccount(accountId: string): Promise<void> {
      const grants = db().collection<{ _id: string }>(oidcCollectionName('Grant'));
      const grantIds = (
        await grants.find({ 'payload.accountId': accountId }, { projection: { _id: 1 } }).toArray()
      ).map((g) => g._id);
      for (const model of ['AccessToken', 'RefreshToken', 'AuthorizationCode']) {
        if (grantIds.length)
          await db()
            .collection(oidcCollectionName(model))
            .deleteMany({ 'payload.grantId': { $in: grantIds } });
      }
      await grants.deleteMany({ 'payload.accountId': accountId });
      await db()
        .collection(oidcCollectionName('Session'))
        .deleteMany({ 'payload.accountId': accountId });
    },
  };
}

export type OidcSessionsRepository = ReturnType<typeof oidcSessionsRepository>;
