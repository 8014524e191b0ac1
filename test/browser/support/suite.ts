import { createServer, type Server } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { freePort } from '../../../src/store/local-database.ts';
import { launchChromium } from '../../support/chromium.ts';
import { startTestProvider, type TestProvider } from '../../support/harness.ts';
import { discoverRp, type TestRp } from '../../support/relying-party.ts';
import { Authenticator } from '../../support/two-factor.ts';

/** What a browser test file shares: one provider, one Chromium, and Produce as the app. */
export interface Suite {
  op: TestProvider;
  browser: Browser;
  /** Produce, the demo app (first-party): its authorization URLs lead to the sign-in pages. */
  rp: TestRp;
  /** The origin of the stand-in for the apps, where their callbacks land. */
  appOrigin: string;
  stop(): Promise<void>;
}

/**
 * A stand-in for the apps' callbacks: any path answers a plain page, so a sign-in started with
 * an app's authorization URL finishes in the browser without running the app (Playwright's
 * request routing does not see the provider's redirects to the callback).
 */
async function startAppStandIn(port: number): Promise<Server> {
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(
      '<!doctype html><html lang="en"><title>App</title><h1>Back at the app</h1></html>',
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return server;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Starts the app stand-in, a provider on 127.0.0.1 and the system Chromium; `stop()` ends all. */
export async function startSuite(): Promise<Suite> {
  const appPort = await freePort();
  const appOrigin = `http://127.0.0.1:${appPort}`;
  const app = await startAppStandIn(appPort);
  let op: TestProvider | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close();
    await op?.close();
    await closeServer(app);
  };
  try {
    op = await startTestProvider({
      env: {
        PRODUCE_REDIRECT_URIS: `${appOrigin}/callback`,
        PRODUCE_POST_LOGOUT_REDIRECT_URIS: `${appOrigin}/`,
      },
    });
    browser = await launchChromium();
    const rp = await discoverRp(
      op.config.issuer,
      'produce',
      'produce-dev-secret',
      `${appOrigin}/callback`,
    );
    return { op, browser, rp, appOrigin, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The authenticator app a person would set up from the secret shown as text on the page. */
export async function authenticatorFromPage(page: Page, window: number): Promise<Authenticator> {
  const secret = (await page.locator('#secret').textContent()) ?? '';
  if (!secret.trim()) throw new Error(`no secret shown on ${page.url()}`);
  return new Authenticator(secret.replace(/\s+/g, ''), window);
}

/** The path (and query) of the page the browser is on. */
export function pathOf(page: Page): string {
  const url = new URL(page.url());
  return `${url.pathname}${url.search}`;
}
