import type { mongo } from 'mongoose';
import { EXPIRING_OIDC_MODELS, oidcCollectionName } from './oidc-adapter.ts';

const EXPIRING_COLLECTIONS = [
  ...EXPIRING_OIDC_MODELS.map(oidcCollectionName),
  'remembered_browsers',
  'login_challenges',
  'console_sessions',
  'oidc_session_ended',
  'attempts',
  'enrollments',
];
const PURGE_INTERVAL_MS = 10 * 60 * 1000;

/** How expired documents are removed: by the server (TTL indexes) or by our periodic purge. */
export interface ExpiryMaintenance {
  mode: 'ttl-index' | 'periodic-purge';
  purgeNow(): Promise<number>;
  stop(): void;
}

/**
 * Installs TTL indexes where the server accepts them; FerretDB rejects the option, so fall back
 * to a periodic purge. Reads check expiry themselves, so this only reclaims space.
 */
export async function maintainExpiry(db: mongo.Db): Promise<ExpiryMaintenance> {
  let ttlSupported = true;
  for (const name of EXPIRING_COLLECTIONS) {
    try {
      await db.collection(name).createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
    } catch {
      ttlSupported = false;
      await db.collection(name).createIndex({ expiresAt: 1 });
    }
  }
  const purgeNow = async () => {
    let removed = 0;
    for (const name of EXPIRING_COLLECTIONS) {
      const result = await db.collection(name).deleteMany({ expiresAt: { $lte: new Date() } });
      removed += result.deletedCount;
    }
    return removed;
  };
  if (ttlSupported) return { mode: 'ttl-index', purgeNow, stop: () => {} };
  const timer = setInterval(() => void purgeNow().catch(() => {}), PURGE_INTERVAL_MS);
  timer.unref();
  return { mode: 'periodic-purge', purgeNow, stop: () => clearInterval(timer) };
}
