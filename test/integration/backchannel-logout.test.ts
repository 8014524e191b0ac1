import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateKeyPair,
  importJWK,
  SignJWT,
  UnsecuredJWT,
  type JWK as JoseJwk,
  type JWTPayload,
} from 'jose';
import * as client from 'openid-client';
import { BACKCHANNEL_LOGOUT_EVENT } from '../../demo-rp/logout-token.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { parseKeyRing } from '../../src/domain/secret-box.ts';
import { timeStep } from '../../src/domain/totp.ts';
import { loadSigningKeys } from '../../src/oidc/keys.ts';
import { seedDatabase } from '../../src/services/seed.ts';
import { freePort } from '../../src/store/local-database.ts';
import { adminApiClient, adminApiToken } from '../support/admin-api.ts';
import { giveTwoFactor } from '../support/admin-pages.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { startDemoRp, type RunningDemoRp } from '../support/demo-rp.ts';
import { createUser } from '../support/fixtures.ts';
import { testEnv } from '../support/harness.ts';
import { formAction, hiddenInput, HttpBrowser } from '../support/http-browser.ts';
import { startLoggedProvider, type LoggedProvider } from '../support/logged-provider.ts';
import {
  atCallback,
  discoverRp,
  redeem,
  signInWithPassword,
  type TestRp,
} from '../support/relying-party.ts';
import { Authenticator } from '../support/two-factor.ts';

const PRODUCE_HOME = 'http://127.0.0.1:4001/';

/**
 * OpenID Connect Back-Channel Logout 1.0 over real HTTP: a provider whose Manage client has a
 * `backchannel_logout_uri`, the demo RP as Manage (in-process, on 127.0.0.1), and Produce as an
 * openid-client RP, sharing one browser cookie jar and so one SSO session.
 */
describe('back-channel logout', () => {
  let op: LoggedProvider;
  let manage: RunningDemoRp;
  let produce: TestRp;
  let backchannelUri: string;

  beforeAll(async () => {
    const managePort = await freePort();
    backchannelUri = `http://127.0.0.1:${managePort}/backchannel-logout`;
    op = await startLoggedProvider({
      env: {
        MANAGE_REDIRECT_URIS: `http://127.0.0.1:${managePort}/callback`,
        MANAGE_POST_LOGOUT_REDIRECT_URIS: `http://127.0.0.1:${managePort}/`,
        MANAGE_BACKCHANNEL_LOGOUT_URI: backchannelUri,
      },
    });
    manage = await startDemoRp({
      port: managePort,
      name: 'Manage',
      clientId: 'manage',
      issuer: op.config.issuer,
    });
    produce = await discoverRp(op.config.issuer);
  });

  afterAll(async () => {
    await manage?.close();
    await op?.close();
  });

  /** The Manage home page as `browser` sees it. */
  async function managePage(browser: HttpBrowser): Promise<string> {
    const response = await browser.get(`${manage.url}/`);
    expect(response.status).toBe(200);
    return response.text();
  }

  /** The `sid` of the ID token the demo RP shows on its page (pug escapes the quotes). */
  function sidOnPage(html: string): string {
    const sid = /&quot;sid&quot;: &quot;([^&]+)&quot;/.exec(html)?.[1];
    if (!sid) throw new Error('no sid in the ID token claims shown by Manage');
    return sid;
  }

  /**
   * Signs in to Produce with the password, then to Manage through the demo RP without it
   * (single sign-on): the browser, Produce's ID token and the `sid` Manage received.
   */
  async function signInToBoth(user: { email: string; password: string }) {
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    expect(atCallback(produce, step)).toBe(true);
    const tokens = await redeem(produce, step.url, pending);
    expect(tokens.claims()?.['sid']).toBeUndefined(); // Produce has no back-channel logout here

    const { response, url } = await browser.follow(`${manage.url}/login`);
    const html = await response.text();
    expect(url).toBe(`${manage.url}/`);
    expect(html).toContain('Signed in as');
    return { browser, idToken: tokens.id_token ?? '', sid: sidOnPage(html) };
  }

  /** RP-initiated logout from Produce: the provider's confirmation page, then its form. */
  async function signOutFromProduce(browser: HttpBrowser, idToken: string, everywhere: boolean) {
    const url = client.buildEndSessionUrl(produce.config, {
      id_token_hint: idToken,
      post_logout_redirect_uri: PRODUCE_HOME,
    });
    const page = await browser.get(url.href);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Yes, sign me out');
    const action = new URL(formAction(html, '/session/end/confirm'), url).href;
    const done = await browser.post(action, {
      xsrf: hiddenInput(html, 'xsrf'),
      ...(everywhere ? { logout: 'yes' } : {}),
    });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(PRODUCE_HOME);
  }

  /** Posts `body` to Manage's back-channel logout endpoint as the provider would. */
  async function postLogout(
    body: Record<string, string>,
    type = 'application/x-www-form-urlencoded',
  ) {
    const response = await fetch(backchannelUri, {
      method: 'POST',
      headers: { 'content-type': type },
      body: new URLSearchParams(body).toString(),
    });
    const text = await response.text();
    return { status: response.status, text, cacheControl: response.headers.get('cache-control') };
  }

  /** A logout token for Manage signed with the provider's own ES256 key, unless told otherwise. */
  async function logoutToken(
    claims: JWTPayload,
    options: { key?: Parameters<SignJWT['sign']>[0]; typ?: string } = {},
  ): Promise<string> {
    const keys = await loadSigningKeys(
      op.store.signingKeys,
      parseKeyRing(op.config.totpEncryptionKeys),
    );
    const jwk = keys.find((k) => k.alg === 'ES256');
    if (!jwk) throw new Error('the provider has no ES256 key');
    const now = Math.floor(Date.now() / 1000);
    const payload: JWTPayload = {
      iss: op.config.issuer,
      aud: 'manage',
      iat: now,
      exp: now + 120,
      jti: randomUUID(),
      events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
      ...claims,
    };
    return new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: options.typ ?? 'logout+jwt' })
      .sign(options.key ?? (await importJWK(jwk as JoseJwk, 'ES256')));
  }

  it('is advertised in discovery', async () => {
    const metadata = produce.config.serverMetadata();
    expect(metadata['backchannel_logout_supported']).toBe(true);
    expect(metadata['backchannel_logout_session_supported']).toBe(true);
  });

  it('RP-initiated logout from Produce signs the user out of Manage through a validated logout token', async () => {
    const user = await createUser(op, { email: 'bcl-main@example.com', name: 'Ada' });
    const { browser, idToken, sid } = await signInToBoth(user);
    const before = manage.backchannelLogouts.length;

    await signOutFromProduce(browser, idToken, true);

    expect(manage.backchannelLogouts.slice(before)).toEqual([
      { accepted: true, sub: user.id, sid, endedSessions: 1 },
    ]);
    expect(await managePage(browser)).toContain('Not signed in');
    // The provider's session is gone too: Manage's sign-in asks for the password again.
    const again = await browser.follow(`${manage.url}/login`);
    expect(await again.response.text()).toContain('type="password"');

    const delivered = op.logs.filter((l) => l.msg === 'back-channel logout delivered');
    expect(delivered.map((l) => l['client'])).toContain('manage');
    // No token of any kind is ever logged.
    expect(op.rawLogs.join('\n')).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\./);
  });

  it('"Sign out everywhere" (ended by the store, not the end-session endpoint) signs Manage out too', async () => {
    const user = await createUser(op, { email: 'bcl-everywhere@example.com' });
    const { browser, sid } = await signInToBoth(user);
    const before = manage.backchannelLogouts.length;

    await op.services.sessions.signOutEverywhere(
      user.id,
      { id: user.id, email: user.email, ip: '127.0.0.1' },
      { forgetBrowsers: false },
    );

    expect(manage.backchannelLogouts.slice(before)).toEqual([
      { accepted: true, sub: user.id, sid, endedSessions: 1 },
    ]);
    expect(await managePage(browser)).toContain('Not signed in');
  });

  it('"No, stay signed in" signs out of Produce only: Manage keeps its session', async () => {
    const user = await createUser(op, { email: 'bcl-stay@example.com' });
    const { browser, idToken } = await signInToBoth(user);
    const before = manage.backchannelLogouts.length;

    await signOutFromProduce(browser, idToken, false);

    expect(manage.backchannelLogouts.length).toBe(before);
    expect(await managePage(browser)).toContain('Signed in as');
  });

  it('refuses forged, unsigned, misaddressed and malformed logout tokens with 400 and ends nothing', async () => {
    const user = await createUser(op, { email: 'bcl-forged@example.com' });
    const { browser, sid } = await signInToBoth(user);
    const sub = user.id;
    const before = manage.backchannelLogouts.length;
    const now = Math.floor(Date.now() / 1000);
    const stranger = await generateKeyPair('ES256');

    const refused: Array<[string, Promise<string> | string, string?]> = [
      [
        'unsigned',
        new UnsecuredJWT({
          iss: op.config.issuer,
          aud: 'manage',
          iat: now,
          exp: now + 120,
          jti: randomUUID(),
          events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
          sub,
          sid,
        }).encode(),
      ],
      ['signed by another key', logoutToken({ sub, sid }, { key: stranger.privateKey })],
      ['for another client', logoutToken({ sub, sid, aud: 'produce' })],
      ['from another issuer', logoutToken({ sub, sid, iss: 'http://127.0.0.1:1' })],
      ['an ID token (typ JWT)', logoutToken({ sub, sid }, { typ: 'JWT' })],
      ['with a nonce', logoutToken({ sub, sid, nonce: 'n-1' })],
      ['without the logout event', logoutToken({ sub, sid, events: { other: {} } })],
      ['without events', logoutToken({ sub, sid, events: undefined })],
      ['naming nobody', logoutToken({})],
      ['without jti', logoutToken({ sub, sid, jti: undefined })],
      ['expired', logoutToken({ sub, sid, iat: now - 600, exp: now - 480 })],
      ['garbage', 'not-a-jwt'],
    ];
    for (const [label, token] of refused) {
      const answer = await postLogout({ logout_token: await token });
      expect({ label, status: answer.status }).toEqual({ label, status: 400 });
      expect(JSON.parse(answer.text)).toMatchObject({ error: 'invalid_request' });
      expect(answer.cacheControl).toBe('no-store');
    }
    expect((await postLogout({})).status).toBe(400);
    const valid = await logoutToken({ sub, sid });
    expect((await postLogout({ logout_token: valid }, 'text/plain')).status).toBe(400);

    const outcomes = manage.backchannelLogouts.slice(before);
    expect(outcomes.every((o) => !o.accepted)).toBe(true);
    expect(outcomes).toHaveLength(refused.length + 2);
    expect(await managePage(browser)).toContain('Signed in as');

    // The same token, well-formed and signed by the provider, is accepted once: not replayable.
    const accepted = await postLogout({ logout_token: valid });
    expect(accepted).toMatchObject({ status: 200, cacheControl: 'no-store' });
    expect(await managePage(browser)).toContain('Not signed in');
    expect((await postLogout({ logout_token: valid })).status).toBe(400);
    expect(manage.backchannelLogouts.at(-1)).toEqual({
      accepted: false,
      reason: 'this logout token was already used',
    });
  });

  it('a sub-only logout token ends every Manage session of that user', async () => {
    const user = await createUser(op, { email: 'bcl-sub@example.com' });
    const first = await signInToBoth(user);
    const second = await signInToBoth(user);

    const answer = await postLogout({ logout_token: await logoutToken({ sub: user.id }) });

    expect(answer.status).toBe(200);
    expect(manage.backchannelLogouts.at(-1)).toMatchObject({ accepted: true, endedSessions: 2 });
    expect(await managePage(first.browser)).toContain('Not signed in');
    expect(await managePage(second.browser)).toContain('Not signed in');
  });

  describe('configuration', () => {
    it('refuses a PRODUCE/MANAGE_BACKCHANNEL_LOGOUT_URI that is not an absolute http(s) URL', () => {
      for (const value of [
        'manage.example/bcl',
        'ftp://manage.example/bcl',
        'https://m.example/b#x',
      ]) {
        expect(() => loadConfig(testEnv(3999, { MANAGE_BACKCHANNEL_LOGOUT_URI: value }))).toThrow(
          ConfigError,
        );
      }
      expect(() => loadConfig(testEnv(3999, { PRODUCE_BACKCHANNEL_LOGOUT_URI: 'nope' }))).toThrow(
        /PRODUCE_BACKCHANNEL_LOGOUT_URI: must be an absolute http\(s\) URL/,
      );
    });

    it('gives Produce and Manage the demo apps as default in development only', () => {
      const dev = loadConfig({ ...testEnv(3999), NODE_ENV: 'development' });
      expect(dev.clients.map((c) => c.defaultBackchannelLogoutUri)).toEqual([
        'http://localhost:4001/backchannel-logout',
        'http://localhost:4002/backchannel-logout',
      ]);
      const test = loadConfig(testEnv(3999));
      expect(test.clients.map((c) => c.defaultBackchannelLogoutUri)).toEqual([
        undefined,
        undefined,
      ]);
      expect(test.clients.map((c) => c.backchannelLogoutUri)).toEqual([undefined, undefined]);
    });
  });

  describe('client:create --backchannel-logout-uri', () => {
    const env: Record<string, string> = {};
    const dataDir = mkdtempSync(join(tmpdir(), 'twofold-cli-bcl-'));

    beforeAll(() => {
      Object.assign(env, op.env, {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        MONGODB_URI: op.mongodbUri,
        DATA_DIR: dataDir,
      });
      delete env.PORT;
      delete env.HOST;
    });
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    const create = (id: string, uri: string): Promise<CliResult> =>
      runCli(
        env,
        'client:create',
        '--id',
        id,
        '--secret',
        `${id}-secret-0123456789`,
        '--redirect-uri',
        `https://${id}.example/callback`,
        '--backchannel-logout-uri',
        uri,
      );

    it('registers the URI with sid required, and client:list shows it', async () => {
      const result = await create('reports', 'https://reports.example/backchannel-logout');
      expect(result).toMatchObject({ code: 0, stdout: 'Client reports saved\n' });
      expect(await op.store.clients.find('reports')).toMatchObject({
        backchannel_logout_uri: 'https://reports.example/backchannel-logout',
        backchannel_logout_session_required: true,
      });
      const list = await runCli(env, 'client:list');
      expect(list.stdout).toContain(
        'reports  https://reports.example/callback  back-channel logout https://reports.example/backchannel-logout',
      );
      // The provider accepts the metadata (its cache follows the CLI's write within a second).
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const registered = await op.provider.Client.find('reports');
      expect(registered?.backchannelLogoutUri).toBe('https://reports.example/backchannel-logout');
      expect(registered?.backchannelLogoutSessionRequired).toBe(true);
    });

    it.each([['reports.example/bcl'], ['javascript:alert(1)'], ['https://r.example/bcl#top']])(
      'refuses %s with a clear message and saves nothing',
      async (uri) => {
        const result = await create('bad-bcl', uri);
        expect(result.code).not.toBe(0);
        expect(result.stderr).toMatch(
          /^Error: --backchannel-logout-uri must be an absolute http\(s\) URL/,
        );
        expect(result.stdout).toBe('');
        expect(await op.store.clients.find('bad-bcl')).toBeNull();
      },
    );
  });

  describe('admin API', () => {
    let token: string;

    beforeAll(async () => {
      const role = await op.store.roles.create({ name: 'bcl-admins', admin: true });
      const admin = await createUser(op, { email: 'bcl-admin@example.com', roleIds: [role.id] });
      const app = new Authenticator(await giveTwoFactor(op, admin.id), op.config.totp.window);
      app.lastStep = timeStep(Date.now());
      const resource = `${op.config.issuer}/admin/api`;
      token = await adminApiToken(await adminApiClient(op), resource, { ...admin, app });
    });

    async function api(method: string, path: string, body?: unknown) {
      const response = await fetch(`${op.url}/admin/api${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      return { status: response.status, text, json: JSON.parse(text) as Record<string, unknown> };
    }

    it('GET /clients lists every client with its back-channel logout URI and no secret', async () => {
      const answer = await api('GET', '/clients?pageSize=100');
      expect(answer.status).toBe(200);
      const items = answer.json['items'] as Array<Record<string, unknown>>;
      expect(items.find((c) => c['client_id'] === 'manage')).toEqual({
        client_id: 'manage',
        client_name: 'Manage',
        redirect_uris: [`${manage.url}/callback`],
        post_logout_redirect_uris: [`${manage.url}/`],
        backchannel_logout_uri: backchannelUri,
        backchannel_logout_session_required: true,
        first_party: true,
        require_mfa: false,
      });
      expect(items.map((c) => c['client_id'])).toEqual(
        expect.arrayContaining(['account-console', 'produce']),
      );
      expect(answer.text).not.toMatch(/secret"|dev-secret/);
    });

    it('PATCH /clients/{id} validates strictly', async () => {
      const refused = [
        { backchannel_logout_uri: 'not a url' },
        { backchannel_logout_uri: 'ftp://produce.example/bcl' },
        { backchannel_logout_uri: 'https://produce.example/bcl#x' },
        { backchannel_logout_session_required: 'yes' },
        { client_secret: 'mine-now' },
        {},
      ];
      for (const body of refused) {
        const answer = await api('PATCH', '/clients/produce', body);
        expect({ body, status: answer.status, error: answer.json['error'] }).toEqual({
          body,
          status: 400,
          error: 'validation_failed',
        });
      }
      const unknown = await api('PATCH', '/clients/nobody', { backchannel_logout_uri: null });
      expect(unknown.status).toBe(404);
      const consoleClient = await api('PATCH', '/clients/account-console', {
        backchannel_logout_uri: 'https://x.example/bcl',
      });
      expect(consoleClient.status).toBe(403);
      expect((await op.store.clients.find('produce'))?.backchannel_logout_uri).toBeUndefined();
    });

    it('PATCH sets and removes the URI, audits it, and a restart keeps it unless configured', async () => {
      const uri = 'https://produce.example/backchannel-logout';
      const set = await api('PATCH', '/clients/produce', { backchannel_logout_uri: uri });
      expect(set.status).toBe(200);
      expect(set.json).toMatchObject({
        client_id: 'produce',
        backchannel_logout_uri: uri,
        backchannel_logout_session_required: true,
      });
      expect((await op.provider.Client.find('produce'))?.backchannelLogoutUri).toBe(uri);

      const audit = await api('GET', '/audit?targetId=produce');
      expect((audit.json['items'] as unknown[])[0]).toMatchObject({
        action: 'client.upsert',
        actorEmail: 'bcl-admin@example.com',
        targetType: 'client',
        targetId: 'produce',
        details: { backchannel_logout_uri: uri },
      });

      // A restart re-seeds Produce and Manage: Produce keeps the admin's URI (no
      // PRODUCE_BACKCHANNEL_LOGOUT_URI), Manage's configured URI wins over the admin's.
      const moved = await api('PATCH', '/clients/manage', {
        backchannel_logout_uri: 'https://elsewhere.example/bcl',
        backchannel_logout_session_required: false,
      });
      expect(moved.json).toMatchObject({ backchannel_logout_session_required: false });
      await seedDatabase(op.config, op.store);
      expect(await op.store.clients.find('produce')).toMatchObject({ backchannel_logout_uri: uri });
      expect(await op.store.clients.find('manage')).toMatchObject({
        backchannel_logout_uri: backchannelUri,
        backchannel_logout_session_required: false,
      });
      const restored = await api('PATCH', '/clients/manage', {
        backchannel_logout_session_required: true,
      });
      expect(restored.json).toMatchObject({
        backchannel_logout_uri: backchannelUri,
        backchannel_logout_session_required: true,
      });

      const removed = await api('PATCH', '/clients/produce', { backchannel_logout_uri: null });
      expect(removed.json).toMatchObject({ backchannel_logout_uri: null });
      await seedDatabase(op.config, op.store);
      const stored = await op.store.clients.find('produce');
      expect(stored?.backchannel_logout_uri).toBeUndefined();
      expect((await op.provider.Client.find('produce'))?.backchannelLogoutUri).toBeUndefined();
    });

    it('is in the OpenAPI document', async () => {
      const doc = (await (await fetch(`${op.url}/admin/api/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
        components: { schemas: Record<string, unknown> };
      };
      // POST registers a service client (service-clients.test.ts).
      expect(Object.keys(doc.paths['/admin/api/clients'] ?? {})).toEqual(['get', 'post']);
      expect(Object.keys(doc.paths['/admin/api/clients/{id}'] ?? {})).toEqual(['patch']);
      expect(doc.components.schemas['Client']).toBeDefined();
    });
  });
});
