import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../../src/config.ts';
import { createLogger, startServer, type RunningServer } from '../../src/server.ts';
import { freePort } from '../../src/store/local-database.ts';

/** A database name unique to one test file, on the run's shared server. */
export function testDatabaseUri(): string {
  const base = process.env.TEST_MONGODB_BASE_URI;
  if (!base) throw new Error('TEST_MONGODB_BASE_URI is not set: run tests through `npm test`');
  return `${base}/t_${randomBytes(6).toString('hex')}`;
}

/** Environment for a test provider; the same keys let a restarted provider read old cookies. */
export function testEnv(
  port: number,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    ISSUER: `http://127.0.0.1:${port}`,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'twofold-data-')),
    LOG_LEVEL: 'silent',
    COOKIE_KEYS: randomBytes(24).toString('base64url'),
    TOTP_ENCRYPTION_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    PRODUCE_REDIRECT_URIS: 'http://127.0.0.1:4001/callback',
    MANAGE_REDIRECT_URIS: 'http://127.0.0.1:4002/callback',
    PRODUCE_POST_LOGOUT_REDIRECT_URIS: 'http://127.0.0.1:4001/',
    MANAGE_POST_LOGOUT_REDIRECT_URIS: 'http://127.0.0.1:4002/',
    ...overrides,
  };
}

export interface TestProvider extends RunningServer {
  config: Config;
  env: Record<string, string>;
  mongodbUri: string;
}

/** Starts a real provider on 127.0.0.1 with its own database; `close()` stops it. */
export async function startTestProvider(
  options: { env?: Record<string, string>; mongodbUri?: string; port?: number } = {},
): Promise<TestProvider> {
  const port = options.port ?? (await freePort());
  const env = testEnv(port, options.env);
  const config = loadConfig(env);
  const mongodbUri = options.mongodbUri ?? testDatabaseUri();
  const running = await startServer(config, mongodbUri, createLogger('silent'), {
    sqliteDir: process.env.TEST_FERRETDB_SQLITE_DIR || undefined,
  });
  return Object.assign(running, { config, env, mongodbUri });
}
