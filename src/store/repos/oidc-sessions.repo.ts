import type { Connection, mongo } from 'mongoose';
import { oidcCollectionName } from '../oidc-adapter.ts';

/**
 * Ends a user's single sign-on at the provider: their sessions go, and so do their grants, which
 * makes every refresh token and access token minted under them unusable.
 */
export function oidcSessionsRepository(connection: Connection) {
  const collection = (model: string) =>
    (connection.db as mongo.Db).collection<{ _id: string; grantId?: string }>(
      oidcCollectionName(model),
    );
  return {
    async revokeForAccount(accountId: string): Promise<void> {
      const grantIds = (
        await collection('Grant')
          .find({ accountId }, { projection: { grantId: 1 } })
          .toArray()
      ).flatMap((g) => (g.grantId ? [g.grantId] : []));
      if (grantIds.length) {
        for (const model of ['AccessToken', 'RefreshToken', 'AuthorizationCode']) {
          await collection(model).deleteMany({ grantId: { $in: grantIds } });
        }
      }
      await collection('Grant').deleteMany({ accountId });
      await collection('Session').deleteMany({ accountId });
    },
  };
}

export type OidcSessionsRepository = ReturnType<typeof oidcSessionsRepository>;
