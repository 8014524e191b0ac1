import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/config.ts';
import { provisionDatabase, type LocalDatabase } from '../../src/store/local-database.ts';

declare global {
  var __TEST_DATABASE__: LocalDatabase | undefined;
}

/**
 * Starts one real MongoDB wire-protocol server for the whole run (MONGODB_URI, else mongod, else
 * FerretDB) on throwaway data; each test file then uses its own database on it.
 */
export default async function globalSetup(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'twofold-test-'));
  const database = await provisionDatabase({
    uri: process.env.MONGODB_URI,
    dataDir,
    cacheDir: join(PROJECT_ROOT, '.cache'),
    dbName: 'unused',
    log: (message) => process.stdout.write(`\n${message}\n`),
  });
  globalThis.__TEST_DATABASE__ = database;
  process.env.TEST_MONGODB_BASE_URI = database.uri.replace(/\/[^/]*$/, '');
  process.env.TEST_FERRETDB_SQLITE_DIR = database.sqliteDir ?? '';
}
