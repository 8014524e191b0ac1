import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createRpApp } from './app.ts';
import { RpConfigError, loadRpConfig } from './config.ts';

/** How long open connections may take to finish after SIGTERM/SIGINT before they are cut. */
const SHUTDOWN_GRACE_MS = 5000;

/**
 * Entry point of the demo relying party: reads the environment, starts the HTTP server and
 * shuts down cleanly on SIGTERM/SIGINT (docker compose stop, Ctrl-C).
 */
async function main(): Promise<void> {
  const config = loadRpConfig();
  const app = createRpApp(config, {
    onBackchannelLogout(result) {
      if (result.accepted) {
        console.log(
          `${config.name} demo RP: back-channel logout ended ${result.endedSessions} session(s)`,
        );
      } else {
        console.warn(`${config.name} demo RP: back-channel logout refused: ${result.reason}`);
      }
    },
  });
  const server: Server = createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  console.log(
    `${config.name} demo RP listening on ${config.host}:${port} (public URL ${config.baseUrl}, issuer ${config.issuer}, client ${config.clientId})`,
  );
  console.log(
    `${config.name} demo RP: register ${config.backchannelLogoutUri} as the client's backchannel_logout_uri for single sign-out`,
  );

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${config.name} demo RP: ${signal} received, shutting down`);
    const timer = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
    timer.unref();
    server.close((err) => {
      clearTimeout(timer);
      if (err) console.error(err);
      process.exitCode = err ? 1 : 0;
    });
    server.closeIdleConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  if (err instanceof RpConfigError) console.error(err.message);
  else console.error('Demo RP failed to start:', err);
  process.exitCode = 1;
});
