import { join } from 'node:path';
import { ConfigError, loadConfig } from './config.ts';
import { createLogger, startServer } from './server.ts';
import { provisionDatabase } from './store/local-database.ts';

/** `npm start`: configuration, database (provisioned locally when MONGODB_URI is unset), server. */
async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const log = createLogger(config.logLevel);
  const database = await provisionDatabase({
    uri: config.mongodbUri,
    dataDir: join(config.dataDir, 'db'),
    cacheDir: config.cacheDir,
    dbName: 'twofold',
    log: (message) => log.info(message),
  });
  try {
    const running = await startServer(config, database.uri, log);
    log.info(
      `Open ${config.issuer}/account to sign in; discovery at ${config.issuer}/.well-known/openid-configuration`,
    );
    const shutdown = async (signal: string) => {
      log.info({ signal }, 'shutting down');
      await running.close();
      await database.stop();
      process.exit(0);
    };
    process.once('SIGINT', () => void shutdown('SIGINT'));
    process.once('SIGTERM', () => void shutdown('SIGTERM'));
  } catch (error) {
    await database.stop();
    throw error;
  }
}

main().catch((error: unknown) => {
  const message =
    error instanceof ConfigError ? error.message : `Start-up failed: ${(error as Error).message}`;
  process.stderr.write(`${message}\n`);
  process.exit(1);
});
