import { join } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger, startServer, type RunningServer } from './server.ts';
import { wantsPrettyLogs } from './observability/logger.ts';
import { redactUri } from './store/connection.ts';
import { provisionDatabase, type LocalDatabase } from './store/local-database.ts';

/** `npm start`: configuration, database (provisioned locally when MONGODB_URI is unset), server. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel, {
    pretty: wantsPrettyLogs(config.env, process.stdout.isTTY),
  });
  const database = await provisionDatabase({
    uri: config.mongodbUri,
    dataDir: join(config.dataDir, 'db'),
    cacheDir: config.cacheDir,
    dbName: 'twofold',
    log: (message) => log.info(message),
  });
  logDatabase(log, database);
  try {
    const running = await startServer(config, database.uri, log, {
      sqliteDir: database.sqliteDir,
    });
    log.info(
      `Open ${config.issuer}/account to sign in; discovery at ${config.issuer}/.well-known/openid-configuration`,
    );
    stopOnSignals(log, running, database);
  } catch (error) {
    await database.stop();
    throw error;
  }
}

/** Says which database this provider uses (credentials redacted). */
function logDatabase(log: Logger, database: LocalDatabase): void {
  const where = redactUri(database.uri);
  if (database.kind === 'external')
    log.info({ database: where }, 'using the database MONGODB_URI names');
  else
    log.info({ database: where, server: database.kind }, `using a local ${database.kind} database`);
}

/**
 * SIGINT/SIGTERM: stop taking requests, then stop the local database server, then exit. A second
 * signal while that runs exits at once (the server still dies with us, see
 * src/store/local-database/processes.ts).
 */
function stopOnSignals(log: Logger, running: RunningServer, database: LocalDatabase): void {
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, 'shutting down');
    await running.close().catch((error: unknown) => log.warn({ err: error }, 'closing failed'));
    await database.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError ? error.message : `Start-up failed: ${(error as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
