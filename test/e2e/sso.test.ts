import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { createRpApp } from '../../demo-rp/app.ts';
import { loadRpConfig } from '../../demo-rp/config.ts';
import { freePort } from '../../src/store/local-database.ts';
import { launchChromium } from '../support/chromium.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';

interface DemoRp {
  url: string;
  server: Server;
}

/**
 * Starts a demo RP in-process. The provider lives on 127.0.0.1 and the RPs on "localhost":
 * cookies ignore ports, so different host names keep the provider's and the apps' cookie jars
 * apart (the two apps share "localhost" and already prefix their cookie names with the client id).
 */
async function startRp(
  port: number,
  name: string,
  clientId: string,
  issuer: string,
): Promise<DemoRp> {
  const config = loadRpConfig({
    RP_NAME: name,
    RP_HOST: '127.0.0.1',
    RP_PORT: String(port),
    RP_BASE_URL: `http://localhost:${port}`,
    ISSUER: issuer,
    CLIENT_ID: clientId,
    CLIENT_SECRET: `${clientId}-dev-secret`,
  });
  const server = createServer(createRpApp(config).callback());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return { url: config.baseUrl, server };
}

function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Records every HTML document the browser loads, so a test can prove which pages were shown. */
function recordPages(page: Page) {
  const pending: Array<Promise<{ url: string; html: string }>> = [];
  page.on('response', (response: Response) => {
    const type = response.headers()['content-type'] ?? '';
    if (response.request().resourceType() !== 'document' || !type.includes('text/html')) return;
    pending.push(
      response.text().then(
        (html) => ({ url: response.url(), html }),
        () => ({ url: response.url(), html: '' }),
      ),
    );
  });
  return { all: () => Promise.all(pending) };
}

/** How many pages with a password field the browser has been shown so far. */
async function passwordPages(recorder: ReturnType<typeof recordPages>): Promise<string[]> {
  return (await recorder.all()).filter((p) => p.html.includes('type="password"')).map((p) => p.url);
}

describe('e2e: single sign-on across Produce and Manage in Chromium', () => {
  let op: TestProvider;
  let produce: DemoRp;
  let manage: DemoRp;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    const producePort = await freePort();
    const managePort = await freePort();
    op = await startTestProvider({
      env: {
        PRODUCE_REDIRECT_URIS: `http://localhost:${producePort}/callback`,
        MANAGE_REDIRECT_URIS: `http://localhost:${managePort}/callback`,
        PRODUCE_POST_LOGOUT_REDIRECT_URIS: `http://localhost:${producePort}/`,
        MANAGE_POST_LOGOUT_REDIRECT_URIS: `http://localhost:${managePort}/`,
        MANAGE_BACKCHANNEL_LOGOUT_URI: `http://127.0.0.1:${managePort}/backchannel-logout`,
      },
    });
    produce = await startRp(producePort, 'Produce', 'produce', op.config.issuer);
    manage = await startRp(managePort, 'Manage', 'manage', op.config.issuer);
    browser = await launchChromium();
    context = await browser.newContext();
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await closeServer(produce?.server);
    await closeServer(manage?.server);
    await op?.close();
  });

  it('signs in at Produce with a password, then reaches Manage without the password page', async () => {
    const role = await op.store.roles.create({ name: 'produce-editor' });
    const user = await createUser(op, {
      email: 'grace@example.com',
      name: 'Grace Hopper',
      roleIds: [role.id],
    });
    const page = await context.newPage();
    const pages = recordPages(page);

    await page.goto(`${produce.url}/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Produce');
    await expect(page.getByText('Not signed in').count()).resolves.toBe(1);
    await page.getByRole('link', { name: 'Sign in with the identity provider' }).click();

    await page.waitForURL(`${op.config.issuer}/interaction/**`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign in');
    await page.screenshot({ path: '/tmp/e2e-login.png', fullPage: true });
    await page.fill('#email', user.email);
    await page.fill('#password', user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.waitForURL(`${produce.url}/`);
    const produceText = (await page.locator('main').textContent()) ?? '';
    expect(produceText).toContain('Signed in as');
    expect(produceText).toContain('Grace Hopper');
    expect(produceText).toContain('grace@example.com');
    expect(produceText).toContain('produce-editor');
    expect(produceText).toContain('pwd');
    expect(produceText).toContain(user.id);
    await page.screenshot({ path: '/tmp/e2e-produce.png', fullPage: true });

    const shownBefore = await passwordPages(pages);
    expect(shownBefore).toHaveLength(1);
    expect(shownBefore[0]).toMatch(/\/interaction\//);

    await page.goto(`${manage.url}/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Manage');
    await expect(page.getByText('Not signed in').count()).resolves.toBe(1);
    await page.getByRole('link', { name: 'Sign in with the identity provider' }).click();

    await page.waitForURL(`${manage.url}/`);
    const manageText = (await page.locator('main').textContent()) ?? '';
    expect(manageText).toContain('Signed in as');
    expect(manageText).toContain('grace@example.com');
    expect(manageText).toContain(user.id);
    await page.screenshot({ path: '/tmp/e2e-manage.png', fullPage: true });

    // Single sign-on: no second password page was ever shown.
    expect(await passwordPages(pages)).toEqual(shownBefore);
    // The account page rides on the same sign-on (no password asked).
    await page.goto(`${op.config.issuer}/account`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Profile');
    // The provider's cookies stayed on its own host, the apps' on theirs.
    const cookies = await context.cookies();
    expect(cookies.filter((c) => c.domain === '127.0.0.1').map((c) => c.name)).toEqual(
      expect.arrayContaining(['_session']),
    );
    expect(cookies.filter((c) => c.domain === 'localhost').map((c) => c.name)).toEqual(
      expect.arrayContaining(['demo_rp_produce_sid', 'demo_rp_manage_sid']),
    );
  });

  it('signing out of Produce signs the browser out of Manage too (back-channel logout)', async () => {
    const page = await context.newPage();
    await page.goto(`${produce.url}/`);
    await page.getByRole('link', { name: 'Sign out' }).click();
    await page.waitForURL(`${op.config.issuer}/session/end**`);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();

    await page.waitForURL(`${produce.url}/`);
    await expect(page.getByText('Not signed in').count()).resolves.toBe(1);
    // Manage still has its cookie, but the provider told it the session ended.
    expect((await context.cookies()).map((c) => c.name)).toContain('demo_rp_manage_sid');
    await page.goto(`${manage.url}/`);
    await expect(page.getByText('Not signed in').count()).resolves.toBe(1);
    // And the account page asks for the password again.
    await page.goto(`${op.config.issuer}/account`);
    await page.waitForURL(`${op.config.issuer}/interaction/**`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign in');
  });
});
