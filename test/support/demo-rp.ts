import { createServer, type Server } from 'node:http';
import { createRpApp, type BackchannelLogoutResult } from '../../demo-rp/app.ts';
import { loadRpConfig } from '../../demo-rp/config.ts';

/** A demo relying party (demo-rp/) running in-process on 127.0.0.1. */
export interface RunningDemoRp {
  /** The address the browser uses (`RP_BASE_URL`). */
  url: string;
  server: Server;
  /** Every back-channel logout request it answered, in order. */
  backchannelLogouts: BackchannelLogoutResult[];
  close(): Promise<void>;
}

/**
 * Starts a demo RP on `port` (listening on 127.0.0.1) for the client `clientId` of the provider
 * at `issuer`, with the development secret `<clientId>-dev-secret`. `host` is the name in its
 * public URL: the provider lives on 127.0.0.1, and a browser that keeps cookies per host needs
 * the apps elsewhere ("localhost").
 */
export async function startDemoRp(options: {
  port: number;
  name: string;
  clientId: string;
  issuer: string;
  host?: string;
}): Promise<RunningDemoRp> {
  const config = loadRpConfig({
    RP_NAME: options.name,
    RP_HOST: '127.0.0.1',
    RP_PORT: String(options.port),
    RP_BASE_URL: `http://${options.host ?? '127.0.0.1'}:${options.port}`,
    ISSUER: options.issuer,
    CLIENT_ID: options.clientId,
    CLIENT_SECRET: `${options.clientId}-dev-secret`,
  });
  const backchannelLogouts: BackchannelLogoutResult[] = [];
  const app = createRpApp(config, { onBackchannelLogout: (r) => backchannelLogouts.push(r) });
  const server = createServer(app.callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', resolve);
  });
  return {
    url: config.baseUrl,
    server,
    backchannelLogouts,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
