import { pingDatabase } from '../store/connection.ts';
import type { Store } from '../store/index.ts';

/** Readiness of what the provider depends on, for `/readyz`. */
export function healthService(store: Store) {
  return {
    /** True when the database answers a ping within `timeoutMs`. */
    async databaseReady(timeoutMs: number): Promise<boolean> {
      return pingDatabase(store.connection, timeoutMs);
    },
  };
}

export type HealthService = ReturnType<typeof healthService>;
