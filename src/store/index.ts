import type { Connection, mongo } from 'mongoose';
import { groupModel } from './models/group.model.ts';
import { roleModel } from './models/role.model.ts';
import { rememberedBrowserModel } from './models/remembered-browser.model.ts';
import { userModel } from './models/user.model.ts';
import { auditEventModel } from './models/audit-event.model.ts';
import { detectConsistency, type Consistency } from './consistency.ts';
import {
  createOidcAdapterFactory,
  ensureOidcIndexes,
  OIDC_MODELS,
  oidcCollectionName,
} from './oidc-adapter.ts';
import { ENDED_SESSIONS_COLLECTION } from './ended-sessions.ts';
import { maintainExpiry, type ExpiryMaintenance } from './expiry.ts';
import { attemptsRepository } from './repos/attempts.repo.ts';
import { auditRepository } from './repos/audit.repo.ts';
import { catalogCache } from './repos/catalog-cache.ts';
import { clientsRepository } from './repos/clients.repo.ts';
import {
  CONSOLE_SESSIONS_COLLECTION,
  consoleSessionsRepository,
} from './repos/console-sessions.repo.ts';
import { credentialsRepository } from './repos/credentials.repo.ts';
import { enrollmentsRepository } from './repos/enrollments.repo.ts';
import { groupsRepository } from './repos/groups.repo.ts';
import { loginChallengesRepository } from './repos/login-challenges.repo.ts';
import { MAIL_OUTBOX_COLLECTION, mailOutboxRepository } from './repos/mail-outbox.repo.ts';
import { oidcSessionsRepository } from './repos/oidc-sessions.repo.ts';
import { rememberedBrowsersRepository } from './repos/remembered-browsers.repo.ts';
import { rolesRepository } from './repos/roles.repo.ts';
import {
  SESSION_ACTIVITY_COLLECTION,
  sessionActivityRepository,
} from './repos/session-activity.repo.ts';
import { signingKeysRepository } from './repos/signing-keys.repo.ts';
import { usersRepository } from './repos/users.repo.ts';
import { addFerretdbSqliteIdIndexes } from './ferretdb-sqlite-indexes.ts';
import { moveFactorsOutOfUsers } from './migrations.ts';

/** Every repository over one connection: the only door to the database. */
export function createStore(connection: Connection, consistency: Consistency) {
  const db = connection.db as mongo.Db;
  const catalog = catalogCache(connection);
  const oidcAdapter = createOidcAdapterFactory(db, consistency, catalog);
  return {
    connection,
    consistency,
    users: usersRepository(connection, consistency),
    attempts: attemptsRepository(connection, consistency),
    credentials: credentialsRepository(connection, consistency),
    enrollments: enrollmentsRepository(connection, consistency),
    roles: rolesRepository(connection, catalog),
    groups: groupsRepository(connection, catalog),
    rememberedBrowsers: rememberedBrowsersRepository(connection),
    audit: auditRepository(connection),
    signingKeys: signingKeysRepository(connection),
    clients: clientsRepository(connection, catalog),
    loginChallenges: loginChallengesRepository(connection),
    consoleSessions: consoleSessionsRepository(connection),
    oidcSessions: oidcSessionsRepository(connection, oidcAdapter('Session')),
    sessionActivity: sessionActivityRepository(connection, consistency),
    mailOutbox: mailOutboxRepository(connection, consistency),
    oidcAdapter,
  };
}

export type Store = ReturnType<typeof createStore>;

/** Collections the store writes besides the mongoose models' and the provider's. */
const PLAIN_COLLECTIONS = [
  'user_logins',
  'store_meta',
  'store_leases',
  'attempts',
  'credentials',
  'enrollments',
  'login_challenges',
  'signing_keys',
  CONSOLE_SESSIONS_COLLECTION,
  ENDED_SESSIONS_COLLECTION,
  SESSION_ACTIVITY_COLLECTION,
  MAIL_OUTBOX_COLLECTION,
];

/** What `prepareDatabase` found out and set up. */
export interface PreparedDatabase {
  consistency: Consistency;
  expiry: ExpiryMaintenance;
}

/**
 * Creates every collection and its indexes (unique emails and names, lookups, provider indexes),
 * learns what the server guarantees, and sets up expiry. On a local FerretDB with SQLite
 * (`sqliteDir` known) it also adds the `_id` indexes FerretDB's own queries need
 * (docs/store.md). Idempotent; run on every start.
 */
export async function prepareDatabase(
  connection: Connection,
  options: { sqliteDir?: string | undefined } = {},
): Promise<PreparedDatabase> {
  const db = connection.db as mongo.Db;
  const consistency = await detectConsistency(db);
  for (const model of [userModel, roleModel, groupModel, rememberedBrowserModel, auditEventModel]) {
    const m = model(connection);
    await m.createCollection().catch(() => {});
    await m.createIndexes();
  }
  for (const name of [...PLAIN_COLLECTIONS, ...OIDC_MODELS.map(oidcCollectionName)]) {
    await db.createCollection(name).catch(() => {});
  }
  await ensureOidcIndexes(db);
  if (consistency.server === 'ferretdb' && options.sqliteDir) {
    addFerretdbSqliteIdIndexes(options.sqliteDir, db.databaseName);
  }
  await usersRepository(connection, consistency).ensureLoginIndex();
  await moveFactorsOutOfUsers(db);
  return { consistency, expiry: await maintainExpiry(db) };
}
