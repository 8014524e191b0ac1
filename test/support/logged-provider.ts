import pino from 'pino';
import { loadConfig } from '../../src/config.ts';
import { startServer } from '../../src/server.ts';
import { freePort } from '../../src/store/local-database.ts';
import { testDatabaseUri, testEnv, type TestProvider } from './harness.ts';

/** One line the provider logged, as pino wrote it. */
export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** pino's numeric levels. */
export const LEVEL = { info: 30, warn: 40, error: 50 } as const;

/** A test provider whose log lines are kept for the test to read. */
export interface LoggedProvider extends TestProvider {
  logs: LogLine[];
  /** Every log line as written, to check what never appears in them. */
  rawLogs: string[];
}

/**
 * Like `startTestProvider` (same environment, same database handling), but with an info-level
 * logger whose lines the test can read, to check what the provider warns about.
 */
export async function startLoggedProvider(
  options: { env?: Record<string, string>; mongodbUri?: string } = {},
): Promise<LoggedProvider> {
  const env = testEnv(await freePort(), options.env);
  const config = loadConfig(env);
  const mongodbUri = options.mongodbUri ?? testDatabaseUri();
  const logs: LogLine[] = [];
  const rawLogs: string[] = [];
  const log = pino(
    { level: 'info' },
    {
      write(line: string) {
        rawLogs.push(line);
        logs.push(JSON.parse(line) as LogLine);
      },
    },
  );
  const running = await startServer(config, mongodbUri, log, {
    sqliteDir: process.env.TEST_FERRETDB_SQLITE_DIR || undefined,
  });
  return Object.assign(running, { config, env, mongodbUri, logs, rawLogs });
}

/** Polls `check` every 25 ms until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
