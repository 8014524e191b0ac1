import type { Connection, mongo } from 'mongoose';
import { groupModel } from './models/group.model.ts';
import { roleModel } from './models/role.model.ts';
import { rememberedBrowserModel } from './models/remembered-browser.model.ts';
import { userModel } from './models/user.model.ts';
import { auditEventModel } from './models/audit-event.model.ts';
import { createOidcAdapterFactory, ensureOidcIndexes } from './oidc-adapter.ts';
import { maintainExpiry, type ExpiryMaintenance } from './expiry.ts';
import { auditRepository } from './repos/audit.repo.ts';
import { clientsRepository } from './repos/clients.repo.ts';
import { groupsRepository } from './repos/groups.repo.ts';
import { loginChallengesRepository } from './repos/login-challenges.repo.ts';
import { oidcSessionsRepository } from './repos/oidc-sessions.repo.ts';
import { rememberedBrowsersRepository } from './repos/remembered-browsers.repo.ts';
import { rolesRepository } from './repos/roles.repo.ts';
import { signingKeysRepository } from './repos/signing-keys.repo.ts';
import { usersRepository } from './repos/users.repo.ts';

/** Every repository over one connection: the only door to the database. */
export function createStore(connection: Connection) {
  const db = connection.db as mongo.Db;
  return {
    connection,
    users: usersRepository(connection),
    roles: rolesRepository(connection),
    groups: groupsRepository(connection),
    rememberedBrowsers: rememberedBrowsersRepository(connection),
    audit: auditRepository(connection),
    signingKeys: signingKeysRepository(connection),
    clients: clientsRepository(connection),
    loginChallenges: loginChallengesRepository(connection),
    oidcSessions: oidcSessionsRepository(connection),
    oidcAdapter: createOidcAdapterFactory(db),
  };
}

export type Store = ReturnType<typeof createStore>;

/**
 * Creates collections' indexes (unique emails and names, lookups, provider indexes) and sets up
 * expiry. Idempotent; run on every start.
 */
export async function prepareDatabase(connection: Connection): Promise<ExpiryMaintenance> {
  for (const model of [userModel, roleModel, groupModel, rememberedBrowserModel, auditEventModel]) {
    const m = model(connection);
    await m.createCollection().catch(() => {});
    await m.createIndexes();
  }
  const db = connection.db as mongo.Db;
  await ensureOidcIndexes(db);
  return maintainExpiry(db);
}
