import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { storedOidcId } from '../../src/store/oidc-adapter.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { hiddenInput, HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  authorizationRequest,
  discoverRp,
  open,
  redeem,
  signInWithPassword,
  submit,
  type TestRp,
} from '../support/relying-party.ts';

const PRODUCE_HOME = 'http://127.0.0.1:4001/home';
const MANAGE_ORIGIN = 'http://127.0.0.1:4002/';
const HTML = { accept: 'text/html' };

/** The target of the page's "Start again" link, or undefined when it has none. */
function startAgainLink(html: string): string | undefined {
  return /<a[^>]*href="([^"]*)"[^>]*>Start again<\/a>/.exec(html)?.[1];
}

/** Reads an answer that must be the "This sign-in has ended" page; returns its HTML. */
async function endedPage(response: Response): Promise<string> {
  expect(response.status).toBe(400);
  expect(response.headers.get('content-type')).toContain('text/html');
  const html = await response.text();
  expect(html).toContain('<title>This sign-in has ended');
  expect(html).toContain('<h1>This sign-in has ended</h1>');
  return html;
}

describe('pages for the in-between moments', () => {
  let op: TestProvider;
  let produce: TestRp;
  let manage: TestRp;

  beforeAll(async () => {
    op = await startTestProvider({ env: { PRODUCE_CLIENT_URI: PRODUCE_HOME } });
    produce = await discoverRp(op.config.issuer);
    manage = await discoverRp(op.config.issuer, 'manage');
  });
  afterAll(async () => op?.close());

  /** Opens the sign-in page of a new authorization request; returns the browser and the page. */
  async function loginPage(rp: TestRp) {
    const browser = new HttpBrowser();
    const page = await open(browser, rp, (await authorizationRequest(rp)).url);
    expect(page.url).toMatch(/\/interaction\/[\w-]+$/);
    return { browser, page, uid: page.url.split('/').pop() ?? '' };
  }

  it('answers a finished sign-in page with "Start again" at the client_uri of the app that asked', async () => {
    const user = await createUser(op, { email: 'finished@example.com' });
    const { browser, page } = await loginPage(produce);
    const done = await submit(browser, produce, page, '/login', {
      email: user.email,
      password: user.password,
    });
    expect(atCallback(produce, done)).toBe(true);

    const again = await endedPage(await browser.get(page.url));
    expect(startAgainLink(again)).toBe(PRODUCE_HOME);
    const posted = await browser.post(`${page.url}/login`, {
      email: user.email,
      password: user.password,
      csrf: hiddenInput(page.html, 'csrf'),
    });
    expect(startAgainLink(await endedPage(posted))).toBe(PRODUCE_HOME);
  });

  it('answers an expired sign-in page with "Start again" at the origin of the app without client_uri', async () => {
    const { browser, page, uid } = await loginPage(manage);
    // The server's clock cannot be moved from the test: the interaction's expiry is moved into
    // the past in the database, which the store checks on every read.
    await op.store.connection
      .db!.collection('oidc_interaction')
      .updateOne(
        { _id: storedOidcId('Interaction', uid) as never },
        { $set: { expiresAt: new Date(Date.now() - 1000) } },
      );
    const shown = await endedPage(await browser.get(page.url));
    expect(startAgainLink(shown)).toBe(MANAGE_ORIGIN);
    expect(shown).toContain('Go back to Manage');
    const posted = await browser.post(`${page.url}/login`, {
      email: 'someone@example.com',
      password: 'whatever-long',
      csrf: hiddenInput(page.html, 'csrf'),
    });
    expect(startAgainLink(await endedPage(posted))).toBe(MANAGE_ORIGIN);

    const json = await browser.request(page.url, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toBe('bad_request');
  });

  it('finds the app of a sign-in page opened in another browser, without its cookie', async () => {
    const { page } = await loginPage(produce);
    const elsewhere = await endedPage(await new HttpBrowser().get(page.url));
    expect(startAgainLink(elsewhere)).toBe(PRODUCE_HOME);
  });

  it('trusts a Referer only from a registered app, else gives generic advice and a way to the account', async () => {
    const madeUp = `${op.config.issuer}/interaction/not-a-real-sign-in`;
    const generic = await endedPage(await new HttpBrowser().get(madeUp));
    expect(startAgainLink(generic)).toBeUndefined();
    expect(generic).toContain('Go back to the application you were using and sign in again.');
    expect(generic).toContain('href="/account"');

    const fromManage = await new HttpBrowser().request(madeUp, {
      headers: { referer: 'http://127.0.0.1:4002/reports?page=2' },
    });
    expect(startAgainLink(await endedPage(fromManage))).toBe(MANAGE_ORIGIN);

    const fromElsewhere = await new HttpBrowser().request(madeUp, {
      headers: { referer: 'https://attacker.example/' },
    });
    expect(startAgainLink(await endedPage(fromElsewhere))).toBeUndefined();
  });

  it("gives the provider's own error pages the same way back", async () => {
    // Resuming a sign-in whose cookies are gone (another browser, or after it ended).
    const { uid } = await loginPage(produce);
    const resume = await new HttpBrowser().request(`${op.config.issuer}/auth/${uid}`, {
      headers: HTML,
    });
    const ended = await endedPage(resume);
    expect(ended).toContain('href="/account"');

    // A request the provider cannot send back to the app (unregistered redirect_uri).
    const bad = new URL((await authorizationRequest(produce)).url);
    bad.searchParams.set('redirect_uri', 'http://127.0.0.1:4001/not-registered');
    const refused = await new HttpBrowser().request(bad.toString(), { headers: HTML });
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain('redirect_uri');
    expect(startAgainLink(html)).toBe(PRODUCE_HOME);
  });

  it('answers unknown paths with our 404 page, or JSON, and leaves the provider endpoints alone', async () => {
    for (const path of ['/no-such-page', '/static/missing.css', '/token']) {
      const page = await fetch(`${op.config.issuer}${path}`, { headers: HTML });
      expect([path, page.status]).toEqual([path, 404]);
      const html = await page.text();
      expect(html).toMatch(/^<!DOCTYPE html><html lang="en">/);
      expect(html).toContain('<title>Page not found · Twofold</title>');
      expect(html).toContain('<h1>Page not found</h1>');
      expect(html).toContain('href="/account"');
    }
    const json = await fetch(`${op.config.issuer}/no-such-page`, {
      headers: { accept: 'application/json' },
    });
    expect(json.status).toBe(404);
    expect(((await json.json()) as { error: string }).error).toBe('not_found');

    const discovery = await fetch(`${op.config.issuer}/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
    expect(((await discovery.json()) as { issuer: string }).issuer).toBe(op.config.issuer);
    expect((await fetch(`${op.config.issuer}/jwks`)).status).toBe(200);
    // An endpoint's own error keeps its body and status.
    const token = await fetch(`${op.config.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=authorization_code&code=x',
    });
    expect(token.status).toBe(400);
    expect(((await token.json()) as { error: string }).error).toBe('invalid_request');
    const me = await fetch(`${op.config.issuer}/me`);
    expect(me.status).toBe(401);
    expect(me.headers.get('www-authenticate')).toContain('Bearer realm=');
  });

  it('names the signed-in person and every app of the session on the sign-out confirmation', async () => {
    const user = await createUser(op, { email: 'pat@example.com', name: 'Pat' });
    const browser = new HttpBrowser();
    const first = await signInWithPassword(browser, produce, user.email, user.password);
    const tokens = await redeem(produce, first.step.url, first.pending);
    expect(
      atCallback(manage, await open(browser, manage, (await authorizationRequest(manage)).url)),
    ).toBe(true);
    // The account console is a client of the same session.
    const verifier = client.randomPKCECodeVerifier();
    const consoleAuth = new URL(`${op.config.issuer}/auth`);
    consoleAuth.search = new URLSearchParams({
      client_id: 'account-console',
      response_type: 'code',
      scope: 'openid',
      redirect_uri: `${op.config.issuer}/account/callback`,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: client.randomState(),
    }).toString();
    const consoleStep = await browser.follow(
      consoleAuth.toString(),
      `${op.config.issuer}/account/callback`,
    );
    expect(consoleStep.url).toContain('code=');

    const logoutUrl = client.buildEndSessionUrl(produce.config, {
      id_token_hint: tokens.id_token as string,
    });
    const confirmation = await browser.get(logoutUrl.toString());
    expect(confirmation.status).toBe(200);
    const html = await confirmation.text();
    expect(html).toContain(
      'You are signed in as <strong>Pat (pat@example.com)</strong> to Produce, Manage and Twofold account.',
    );
    expect(html).toContain('Do you want to sign out of all of them?');
    expect(html).toContain('>Yes, sign me out</button>');
    expect(html).toContain('>Stay signed in</button>');

    const action = /<form id="op.logoutForm" method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';
    const confirm = await browser.post(new URL(action, op.config.issuer).href, {
      xsrf: hiddenInput(html, 'xsrf'),
      logout: 'yes',
    });
    expect(confirm.status).toBe(303);
    const done = await browser.get(
      new URL(confirm.headers.get('location') ?? '', op.config.issuer).href,
    );
    expect(done.status).toBe(200);
    const signedOut = await done.text();
    expect(signedOut).toContain('<h1>You are signed out</h1>');
    expect(signedOut).toContain('href="/account"');
  });
});
