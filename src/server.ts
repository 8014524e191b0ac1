import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type mongoose from 'mongoose';
import type { mongo } from 'mongoose';
import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import { createLogger } from './observability/logger.ts';
import { createMetrics } from './observability/metrics.ts';
import { observeDatabase } from './observability/database-metrics.ts';
import { observeProvider } from './observability/provider-observer.ts';
import { serviceObserver } from './observability/service-observer.ts';
import type { Config } from './config.ts';
import { PROJECT_ROOT } from './config.ts';
import { parseKeyRing } from './domain/secret-box.ts';
import { loadSigningKeys } from './oidc/keys.ts';
import { longestSignedTokenTtlMs } from './oidc/signing-key-states.ts';
import { createProvider } from './oidc/provider.ts';
import {
  logBackchannelLogouts,
  sendBackchannelLogoutsForEndedSessions,
} from './oidc/backchannel-logout.ts';
import { recordSessionActivity } from './oidc/session-activity.ts';
import { createServices, type Services } from './services/index.ts';
import { seedDatabase } from './services/seed.ts';
import { connectDatabase } from './store/connection.ts';
import { createStore, prepareDatabase, type Store } from './store/index.ts';
import { acquireProviderLease, type ProviderLease } from './store/provider-lease.ts';
import { createApp } from './web/app.ts';
import { csrfProtection } from './web/middleware/csrf.ts';
import { createRenderer } from './web/render.ts';

/** A running provider: its address and the parts tests and the CLI may need. */
export interface RunningServer {
  url: string;
  server: Server;
  provider: Provider;
  store: Store;
  services: Services;
  log: Logger;
  close(): Promise<void>;
}

/** The process logger (src/observability/logger.ts), kept importable from here. */
export { createLogger } from './observability/logger.ts';

/**
 * Composition root: database -> store -> services -> keys -> provider -> app -> listen. Fails
 * fast (within the connect timeout) when the database cannot be reached.
 */
export async function startServer(
  config: Config,
  mongodbUri: string,
  log: Logger = createLogger(config.logLevel),
  database: { sqliteDir?: string | undefined } = {},
): Promise<RunningServer> {
  const connection = await connectDatabase(
    mongodbUri,
    config.dbConnectTimeoutMs,
    config.dbOperationTimeoutMs,
  );
  let lease: ProviderLease | undefined;
  try {
    const { consistency, expiry } = await prepareDatabase(connection, database);
    if (!consistency.atomicConditionalUpdates) {
      lease = await acquireProviderLease(connection.db as mongo.Db);
    }
    return await listen(config, connection, createStore(connection, consistency), log, async () => {
      expiry.stop();
      await lease?.release();
    });
  } catch (error) {
    await lease?.release();
    await connection.close();
    throw error;
  }
}

async function listen(
  config: Config,
  connection: mongoose.Connection,
  store: Store,
  log: Logger,
  releaseDatabase: () => Promise<void>,
): Promise<RunningServer> {
  await seedDatabase(config, store);
  const ring = parseKeyRing(config.totpEncryptionKeys);
  const metrics = createMetrics();
  observeDatabase(connection, metrics);
  const services = createServices(config, store, ring, log, serviceObserver(log, metrics));
  const keys = await loadSigningKeys(store.signingKeys, ring, {
    longestTokenTtlMs: longestSignedTokenTtlMs(config.ttl),
  });
  const render = createRenderer(join(PROJECT_ROOT, 'views'), {
    productName: config.totp.issuer,
    isDev: config.env === 'development',
  });
  const provider = createProvider(config, store, keys, render);
  logBackchannelLogouts(provider, log);
  sendBackchannelLogoutsForEndedSessions(provider, store.oidcSessions, log);
  recordSessionActivity(provider, store.sessionActivity, log);
  observeProvider(provider, log, metrics);
  const csrf = csrfProtection({ keys: config.cookieKeys, secure: config.secureCookies });
  let listeningOn = '';
  const selfOrigin = () => listeningOn;
  const app = createApp({ config, services, provider, render, csrf, log, selfOrigin, metrics });
  const server = createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  listeningOn = `http://${loopbackHost(config.host)}:${port}`;
  log.info({ port, database: store.consistency.server }, 'provider listening');
  if (!config.adminsNeedTwoFactor) {
    log.warn(
      'DEV_ADMINS_WITHOUT_2FA is on: administrators can use the admin pages and API with a password only. Development only; never run like this with real accounts.',
    );
  }
  if ((await store.users.count()) === 0) {
    log.warn(
      'No users yet. Create the first admin with: npm run cli -- user:create --email you@example.com --password <a long password> --role admin',
    );
  }
  if (config.env === 'production' && !config.mail.smtpUrl) {
    log.warn(
      `SMTP_URL is not set: security notifications are only written as files to ${config.mail.outboxDir}; nobody receives them. Set SMTP_URL and MAIL_FROM.`,
    );
  }
  services.notifications.start();
  return {
    url: `http://${config.host}:${port}`,
    server,
    provider,
    store,
    services,
    log,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await services.notifications.stop();
      await releaseDatabase();
      await connection.close();
    },
  };
}

/** Where this process can reach itself: an any-address listener answers on the loopback. */
function loopbackHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
