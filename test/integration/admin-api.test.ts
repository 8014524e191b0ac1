import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { totpCodeAt } from '../../src/domain/totp.ts';
import { adminApiRouters } from '../../src/web/admin/api/index.ts';
import { openApiPath } from '../../src/web/admin/api/openapi.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  discoverRp,
  signInWithPassword,
  type TestRp,
} from '../support/relying-party.ts';
import { createUser } from '../support/fixtures.ts';
import { giveTwoFactor } from '../support/admin-pages.ts';
import { isOtpPage, post } from '../support/two-factor.ts';

const ADMIN_CLIENT = {
  client_id: 'admin-script',
  client_secret: 'admin-script-secret-123',
  redirect_uris: ['http://127.0.0.1:4009/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'openid profile email roles admin',
  first_party: true,
};

interface ApiAnswer {
  status: number;
  headers: Headers;
  json: Record<string, unknown> & { items?: Array<Record<string, unknown>> };
}

describe('admin JSON API', () => {
  let op: TestProvider;
  let base: string;
  let resource: string;
  let script: TestRp;
  let produce: TestRp;
  let adminRoleId: string;
  let admin: Awaited<ReturnType<typeof createUser>>;
  let token: string;

  /** A real access token for the admin API: code flow + PKCE with `resource`, as `email`. */
  async function adminApiToken(email: string, password: string, secret?: string): Promise<string> {
    const browser = new HttpBrowser();
    const signIn = await signInWithPassword(browser, script, email, password, {
      scope: 'openid admin',
      resource,
    });
    const { pending } = signIn;
    let { step } = signIn;
    // Admins always sign in with a second factor: a code for the step after enrollment's.
    if (secret && isOtpPage(step)) {
      const code = totpCodeAt(secret, Date.now() + 30_000);
      step = (await post(browser, script, step, '/otp', { code })).next;
    }
    if (!atCallback(script, step)) {
      throw new Error(
        `sign-in did not finish: ${step.status} ${step.url} ${step.html.slice(0, 2000)}`,
      );
    }
    const tokens = await client.authorizationCodeGrant(
      script.config,
      new URL(step.url),
      {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
      },
      { resource },
    );
    return tokens.access_token;
  }

  async function api(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: string; token?: string | null } = {},
  ): Promise<ApiAnswer> {
    const headers: Record<string, string> = {};
    const bearer = options.token === undefined ? token : options.token;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let body: string | undefined;
    if (options.body !== undefined || options.rawBody !== undefined) {
      headers['content-type'] = 'application/json';
      body = options.rawBody ?? JSON.stringify(options.body);
    }
    const response = await fetch(`${base}${path}`, { method, headers, body });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      json: text ? (JSON.parse(text) as ApiAnswer['json']) : {},
    };
  }

  beforeAll(async () => {
    op = await startTestProvider();
    base = op.config.issuer;
    resource = `${base}/admin/api`;
    await op.store.clients.upsert(ADMIN_CLIENT);
    script = await discoverRp(
      base,
      ADMIN_CLIENT.client_id,
      ADMIN_CLIENT.client_secret,
      ADMIN_CLIENT.redirect_uris[0],
    );
    produce = await discoverRp(base);
    adminRoleId = (await op.store.roles.create({ name: 'api-admin', admin: true })).id;
    admin = await createUser(op, {
      email: 'root@example.com',
      name: 'Root',
      roleIds: [adminRoleId],
    });
    token = await adminApiToken(admin.email, admin.password, await giveTwoFactor(op, admin.id));
  });
  afterAll(async () => op?.close());

  describe('authentication', () => {
    it('refuses anonymous requests with 401 and a Bearer challenge', async () => {
      const res = await api('GET', '/admin/api/users', { token: null });
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('unauthorized');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
    });

    it('refuses a garbage token with 401 invalid_token', async () => {
      const res = await api('GET', '/admin/api/users', { token: 'not-a-real-token' });
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('unauthorized');
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('refuses an access token issued for userinfo (wrong audience) with 401', async () => {
      const browser = new HttpBrowser();
      const someAdmin = await createUser(op, { email: 'aud@example.com', roleIds: [adminRoleId] });
      const secret = await giveTwoFactor(op, someAdmin.id);
      const signIn = await signInWithPassword(
        browser,
        produce,
        someAdmin.email,
        someAdmin.password,
      );
      const { pending } = signIn;
      const { next: step } = await post(browser, produce, signIn.step, '/otp', {
        code: totpCodeAt(secret, Date.now() + 30_000),
      });
      const tokens = await client.authorizationCodeGrant(produce.config, new URL(step.url), {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        expectedNonce: pending.nonce,
      });
      const res = await api('GET', '/admin/api/users', { token: tokens.access_token });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
      await op.store.users.delete(someAdmin.id);
    });

    it('refuses an expired token with 401 (and accepts the same kind of token while valid)', async () => {
      const adminClient = await op.provider.Client.find(ADMIN_CLIENT.client_id);
      if (!adminClient) throw new Error('admin-script client missing');
      const grant = new op.provider.Grant({
        accountId: admin.id,
        clientId: ADMIN_CLIENT.client_id,
      });
      grant.addResourceScope(resource, 'admin');
      const grantId = await grant.save();
      const mint = (expiresIn: number) =>
        new op.provider.AccessToken({
          accountId: admin.id,
          client: adminClient,
          grantId,
          gty: 'authorization_code',
          scope: 'admin',
          aud: resource,
          expiresIn,
          // As the provider records it for an admin who signed in with a code.
          extra: { amr: ['pwd', 'otp', 'mfa'] },
        }).save();
      const fresh = await mint(600);
      expect((await api('GET', '/admin/api/users', { token: fresh })).status).toBe(200);
      const shortLived = await mint(1);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const res = await api('GET', '/admin/api/users', { token: shortLived });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    });

    it('answers 403 to a valid admin-API token of a user without an admin role', async () => {
      const plain = await createUser(op, { email: 'plain@example.com' });
      const plainToken = await adminApiToken(plain.email, plain.password);
      const res = await api('GET', '/admin/api/users', { token: plainToken });
      expect(res.status).toBe(403);
      expect(res.json.error).toBe('forbidden');
      await op.store.users.delete(plain.id);
    });

    it('answers 401 once the admin behind a token is disabled', async () => {
      const other = await createUser(op, {
        email: 'temp-admin@example.com',
        roleIds: [adminRoleId],
      });
      const otherToken = await adminApiToken(
        other.email,
        other.password,
        await giveTwoFactor(op, other.id),
      );
      expect((await api('GET', '/admin/api/roles', { token: otherToken })).status).toBe(200);
      expect(
        (await api('PATCH', `/admin/api/users/${other.id}`, { body: { disabled: true } })).status,
      ).toBe(200);
      expect((await api('GET', '/admin/api/roles', { token: otherToken })).status).toBe(401);
      expect((await api('DELETE', `/admin/api/users/${other.id}`)).status).toBe(204);
    });

    it('lets an admin in', async () => {
      const res = await api('GET', '/admin/api/users');
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
    });
  });

  describe('last-admin guard', () => {
    it('refuses the only admin removing their own admin role or disabling themselves (409)', async () => {
      const drop = await api('PATCH', `/admin/api/users/${admin.id}`, { body: { roleIds: [] } });
      expect(drop.status).toBe(409);
      expect(drop.json.error).toBe('conflict');
      const disable = await api('PATCH', `/admin/api/users/${admin.id}`, {
        body: { disabled: true },
      });
      expect(disable.status).toBe(409);
      const demote = await api('PATCH', `/admin/api/roles/${adminRoleId}`, {
        body: { admin: false },
      });
      expect(demote.status).toBe(409);
      expect((await api('GET', `/admin/api/roles/${adminRoleId}`)).json.admin).toBe(true);
      const self = await api('DELETE', `/admin/api/users/${admin.id}`);
      expect(self.status).toBe(403);
    });
  });

  describe('users', () => {
    it('creates, lists, searches, paginates, gets, patches and deletes users', async () => {
      const created = await api('POST', '/admin/api/users', {
        body: { email: 'Erin@Example.com', name: 'Erin', password: 'correct-horse-battery-9' },
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({
        email: 'erin@example.com',
        name: 'Erin',
        disabled: false,
        twoFactorEnabled: false,
        isAdmin: false,
      });
      expect(JSON.stringify(created.json)).not.toMatch(/passwordHash|secret/);
      const id = String(created.json.id);

      for (let i = 0; i < 5; i++) {
        const res = await api('POST', '/admin/api/users', {
          body: { email: `page${i}@example.com`, password: `another-long-password-${i}` },
        });
        expect(res.status).toBe(201);
      }
      const search = await api('GET', '/admin/api/users?search=page');
      expect(search.json.total).toBe(5);
      const page2 = await api('GET', '/admin/api/users?search=page&page=2&pageSize=2');
      expect(page2.json).toMatchObject({ total: 5, page: 2, pageSize: 2 });
      expect(page2.json.items?.map((u) => u.email)).toEqual([
        'page2@example.com',
        'page3@example.com',
      ]);
      const byName = await api('GET', '/admin/api/users?search=erin');
      expect(byName.json.items?.map((u) => u.id)).toEqual([id]);
      expect((await api('GET', '/admin/api/users?pageSize=101')).status).toBe(400);
      expect((await api('GET', '/admin/api/users?page=0')).status).toBe(400);

      const got = await api('GET', `/admin/api/users/${id}`);
      expect(got.status).toBe(200);
      expect(got.json.email).toBe('erin@example.com');

      const patched = await api('PATCH', `/admin/api/users/${id}`, {
        body: { name: 'Erin B.', roleIds: [adminRoleId] },
      });
      expect(patched.status).toBe(200);
      expect(patched.json).toMatchObject({
        name: 'Erin B.',
        roleIds: [adminRoleId],
        isAdmin: true,
      });
      const demoted = await api('PATCH', `/admin/api/users/${id}`, { body: { roleIds: [] } });
      expect(demoted.json.isAdmin).toBe(false);

      expect((await api('DELETE', `/admin/api/users/${id}`)).status).toBe(204);
      expect((await api('GET', `/admin/api/users/${id}`)).status).toBe(404);
      expect((await api('DELETE', `/admin/api/users/${id}`)).status).toBe(404);
    });

    it('answers 409 for a duplicate email (also case-insensitively and on change)', async () => {
      await api('POST', '/admin/api/users', {
        body: { email: 'dup@example.com', password: 'a-good-long-password-1' },
      });
      const again = await api('POST', '/admin/api/users', {
        body: { email: 'DUP@example.com', password: 'a-good-long-password-2' },
      });
      expect(again.status).toBe(409);
      expect(again.json.error).toBe('conflict');
      const other = await api('POST', '/admin/api/users', {
        body: { email: 'dup2@example.com', password: 'a-good-long-password-3' },
      });
      const change = await api('PATCH', `/admin/api/users/${String(other.json.id)}`, {
        body: { email: 'dup@example.com' },
      });
      expect(change.status).toBe(409);
    });

    it('answers 404 for unknown and malformed ids', async () => {
      for (const id of ['0123456789abcdef01234567', 'not-an-id', '%24where']) {
        for (const [method, path] of [
          ['GET', `/admin/api/users/${id}`],
          ['DELETE', `/admin/api/users/${id}`],
          ['POST', `/admin/api/users/${id}/2fa/disable`],
          ['GET', `/admin/api/users/${id}/audit`],
          ['GET', `/admin/api/roles/${id}`],
          ['GET', `/admin/api/roles/${id}/usage`],
          ['DELETE', `/admin/api/roles/${id}`],
          ['GET', `/admin/api/groups/${id}`],
          ['GET', `/admin/api/groups/${id}/usage`],
          ['DELETE', `/admin/api/groups/${id}`],
        ] as const) {
          const res = await api(method, path);
          expect([method, path, res.status, res.json.error]).toEqual([
            method,
            path,
            404,
            'not_found',
          ]);
        }
        const patch = await api('PATCH', `/admin/api/users/${id}`, { body: { name: 'x' } });
        expect(patch.status).toBe(404);
      }
      const unknownPath = await api('GET', '/admin/api/nothing-here');
      expect(unknownPath.status).toBe(404);
      expect(unknownPath.json.error).toBe('not_found');
    });

    it('answers 400 for malformed bodies, unknown fields and wrong types', async () => {
      const cases: Array<{ body?: unknown; rawBody?: string }> = [
        { rawBody: '{"email": ' },
        { body: { email: 'not-an-email', password: 'a-good-long-password-1' } },
        { body: { email: 'x@example.com' } },
        { body: { email: 'x@example.com', password: 'a-good-long-password-1', isRoot: true } },
        { body: { email: 'x@example.com', password: 'a-good-long-password-1', roleIds: 'r' } },
        { body: { email: 'x@example.com', password: 'short' } },
        {
          body: {
            email: 'x@example.com',
            password: 'a-good-long-password-1',
            roleIds: ['0123456789abcdef01234567'],
          },
        },
      ];
      for (const c of cases) {
        const res = await api('POST', '/admin/api/users', c);
        expect([JSON.stringify(c), res.status]).toEqual([JSON.stringify(c), 400]);
        expect(['bad_request', 'validation_failed']).toContain(res.json.error);
        expect(typeof res.json.message).toBe('string');
      }
      const notJson = await fetch(`${base}/admin/api/users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
        body: 'hello',
      });
      expect(notJson.status).toBe(400);
      const strict = await api('POST', '/admin/api/users', {
        body: { email: 'x@example.com', password: 'a-good-long-password-1', extra: 1 },
      });
      expect(strict.json.error).toBe('validation_failed');
      expect(String(strict.json.message)).toContain('extra');
      expect((await api('GET', '/admin/api/users?color=red')).status).toBe(400);
    });
  });

  describe('two-factor authentication', () => {
    it('refuses every way of turning 2FA on, with a clear message', async () => {
      const user = await createUser(op, { email: 'no2fa@example.com' });
      const viaPatch = await api('PATCH', `/admin/api/users/${user.id}`, {
        body: { twoFactorEnabled: true },
      });
      expect(viaPatch.status).toBe(403);
      expect(viaPatch.json.error).toBe('forbidden');
      expect(String(viaPatch.json.message)).toMatch(/only the user can|cannot turn on/i);
      const viaRoute = await api('POST', `/admin/api/users/${user.id}/2fa/enable`);
      expect(viaRoute.status).toBe(403);
      expect(String(viaRoute.json.message)).toMatch(/cannot turn on/i);
      const viaSecret = await api('PATCH', `/admin/api/users/${user.id}`, {
        body: { totpSecret: 'JBSWY3DPEHPK3PXP' },
      });
      expect(viaSecret.status).toBe(403);
      expect(String(viaSecret.json.message)).toMatch(/cannot turn on/i);
      const onCreate = await api('POST', '/admin/api/users', {
        body: { email: 'x2@example.com', password: 'a-good-long-password-1', secret: 'JBSWY3DP' },
      });
      expect(onCreate.status).toBe(403);
      expect((await api('GET', `/admin/api/users/${user.id}`)).json.twoFactorEnabled).toBe(false);
      expect(await op.services.totp.status(user.id)).toBeNull();
    });

    it("turns a user's 2FA off: secret gone, remembered browsers gone, next sign-in asks no code", async () => {
      const user = await createUser(op, { email: 'lostphone@example.com' });
      await giveTwoFactor(op, user.id);
      expect(await op.services.totp.status(user.id)).not.toBeNull();
      await op.services.rememberedBrowsers.remember(user, 'Firefox on Linux');
      expect(await op.store.rememberedBrowsers.listForUser(user.id)).toHaveLength(1);

      const before = await api('GET', `/admin/api/users/${user.id}`);
      expect(before.json.twoFactorEnabled).toBe(true);
      // Enabling something that is already on changes nothing and is not an error.
      const noop = await api('PATCH', `/admin/api/users/${user.id}`, {
        body: { twoFactorEnabled: true },
      });
      expect(noop.status).toBe(200);

      const off = await api('POST', `/admin/api/users/${user.id}/2fa/disable`);
      expect(off.status).toBe(200);
      expect(off.json.twoFactorEnabled).toBe(false);
      expect(await op.services.totp.status(user.id)).toBeNull();
      expect(await op.store.rememberedBrowsers.listForUser(user.id)).toHaveLength(0);

      const { step } = await signInWithPassword(
        new HttpBrowser(),
        produce,
        user.email,
        user.password,
      );
      expect(atCallback(produce, step)).toBe(true);

      const audit = await api('GET', `/admin/api/users/${user.id}/audit`);
      expect(audit.json.items?.map((e) => e.action)).toContain('user.2fa_disable');
      const event = audit.json.items?.find((e) => e.action === 'user.2fa_disable');
      expect(event).toMatchObject({
        actorId: admin.id,
        actorEmail: admin.email,
        targetId: user.id,
      });
      expect(typeof event?.ip).toBe('string');
    });

    it('shows 2FA enforced through a role and through a group in GET user', async () => {
      const strict = await api('POST', '/admin/api/roles', {
        body: { name: 'auditors', enforce2fa: true },
      });
      expect(strict.status).toBe(201);
      const roleId = String(strict.json.id);
      const group = await api('POST', '/admin/api/groups', {
        body: { name: 'finance', roleIds: [roleId] },
      });
      expect(group.status).toBe(201);
      const groupId = String(group.json.id);
      const viaGroup = await api('POST', '/admin/api/users', {
        body: {
          email: 'gina@example.com',
          password: 'a-good-long-password-1',
          groupIds: [groupId],
        },
      });
      expect(viaGroup.json).toMatchObject({
        twoFactorRequired: true,
        twoFactorRequiredBy: [{ role: 'auditors', group: 'finance' }],
      });
      const viaRole = await api('POST', '/admin/api/users', {
        body: { email: 'rick@example.com', password: 'a-good-long-password-1', roleIds: [roleId] },
      });
      const got = await api('GET', `/admin/api/users/${String(viaRole.json.id)}`);
      expect(got.json).toMatchObject({
        twoFactorRequired: true,
        twoFactorRequiredBy: [{ role: 'auditors', group: null }],
      });
      const relaxed = await api('PATCH', `/admin/api/roles/${roleId}`, {
        body: { enforce2fa: false },
      });
      expect(relaxed.json.enforce2fa).toBe(false);
      const after = await api('GET', `/admin/api/users/${String(viaGroup.json.id)}`);
      expect(after.json).toMatchObject({ twoFactorRequired: false, twoFactorRequiredBy: [] });
    });
  });

  describe('roles and groups', () => {
    it('does role CRUD with 409 on duplicates and confirmed deletion of a role in use', async () => {
      const created = await api('POST', '/admin/api/roles', { body: { name: 'editors' } });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ name: 'editors', enforce2fa: false, admin: false });
      const roleId = String(created.json.id);
      const dup = await api('POST', '/admin/api/roles', { body: { name: 'editors' } });
      expect(dup.status).toBe(409);
      const other = await api('POST', '/admin/api/roles', { body: { name: 'viewers' } });
      const rename = await api('PATCH', `/admin/api/roles/${String(other.json.id)}`, {
        body: { name: 'editors' },
      });
      expect(rename.status).toBe(409);
      expect((await api('POST', '/admin/api/roles', { body: { name: '' } })).status).toBe(400);

      const grace = await api('POST', '/admin/api/roles', {
        body: { name: 'phased-in', enforce2fa: true, enforce2faGraceDays: 14 },
      });
      expect(grace.status).toBe(201);
      expect(grace.json).toMatchObject({ enforce2fa: true, enforce2faGraceDays: 14 });
      for (const days of [-1, 1.5, 366, '7']) {
        const bad = await api('PATCH', `/admin/api/roles/${String(grace.json.id)}`, {
          body: { enforce2faGraceDays: days },
        });
        expect(bad.status).toBe(400);
        expect(JSON.stringify(bad.json)).toContain('enforce2faGraceDays');
      }
      const shorter = await api('PATCH', `/admin/api/roles/${String(grace.json.id)}`, {
        body: { enforce2faGraceDays: 3 },
      });
      expect(shorter.json).toMatchObject({ enforce2faGraceDays: 3 });
      expect(
        (await api('POST', '/admin/api/roles', { body: { name: 'x', superuser: true } })).status,
      ).toBe(400);

      const list = await api('GET', '/admin/api/roles?pageSize=100');
      expect(list.json.items?.map((r) => r.name)).toEqual(
        expect.arrayContaining(['editors', 'viewers', 'api-admin']),
      );
      expect(list.json.total).toBe(list.json.items?.length);
      const paged = await api('GET', '/admin/api/roles?pageSize=1&page=2');
      expect(paged.json.items).toHaveLength(1);
      expect(paged.json.total).toBe(list.json.total);

      const group = await api('POST', '/admin/api/groups', {
        body: { name: 'newsroom', roleIds: [roleId] },
      });
      const user = await api('POST', '/admin/api/users', {
        body: { email: 'ed@example.com', password: 'a-good-long-password-1', roleIds: [roleId] },
      });
      const usage = await api('GET', `/admin/api/roles/${roleId}/usage`);
      expect(usage.json).toEqual({
        users: [{ id: user.json.id, email: 'ed@example.com' }],
        groups: [{ id: group.json.id, name: 'newsroom' }],
      });

      const refused = await api('DELETE', `/admin/api/roles/${roleId}`);
      expect(refused.status).toBe(409);
      expect(refused.json.error).toBe('in_use');
      expect(refused.json.details).toEqual(usage.json);
      expect((await api('GET', `/admin/api/roles/${roleId}`)).status).toBe(200);
      expect((await api('DELETE', `/admin/api/roles/${roleId}?confirm=yes`)).status).toBe(400);

      expect((await api('DELETE', `/admin/api/roles/${roleId}?confirm=true`)).status).toBe(204);
      expect((await api('GET', `/admin/api/roles/${roleId}`)).status).toBe(404);
      expect((await api('GET', `/admin/api/users/${String(user.json.id)}`)).json.roleIds).toEqual(
        [],
      );
      expect((await api('GET', `/admin/api/groups/${String(group.json.id)}`)).json.roleIds).toEqual(
        [],
      );
      const unused = await api('DELETE', `/admin/api/roles/${String(other.json.id)}`);
      expect(unused.status).toBe(204);
    });

    it('does group CRUD with members in usage, 409 on duplicates and confirmed deletion', async () => {
      const created = await api('POST', '/admin/api/groups', { body: { name: 'ops' } });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({ name: 'ops', roleIds: [] });
      const groupId = String(created.json.id);
      expect((await api('POST', '/admin/api/groups', { body: { name: 'ops' } })).status).toBe(409);
      const badRole = await api('POST', '/admin/api/groups', {
        body: { name: 'g2', roleIds: ['0123456789abcdef01234567'] },
      });
      expect(badRole.status).toBe(400);

      const member = await api('POST', '/admin/api/users', {
        body: {
          email: 'olga@example.com',
          password: 'a-good-long-password-1',
          groupIds: [groupId],
        },
      });
      const usage = await api('GET', `/admin/api/groups/${groupId}/usage`);
      expect(usage.json).toEqual({
        users: [{ id: member.json.id, email: 'olga@example.com' }],
        groups: [],
      });
      const patched = await api('PATCH', `/admin/api/groups/${groupId}`, {
        body: { name: 'operations', roleIds: [adminRoleId] },
      });
      expect(patched.json).toMatchObject({ name: 'operations', roleIds: [adminRoleId] });
      expect((await api('GET', `/admin/api/users/${String(member.json.id)}`)).json.isAdmin).toBe(
        true,
      );
      const list = await api('GET', '/admin/api/groups');
      expect(list.json.items?.map((g) => g.name)).toContain('operations');

      const refused = await api('DELETE', `/admin/api/groups/${groupId}`);
      expect(refused.status).toBe(409);
      expect(refused.json.error).toBe('in_use');
      expect(refused.json.details).toEqual(usage.json);
      expect((await api('DELETE', `/admin/api/groups/${groupId}?confirm=true`)).status).toBe(204);
      const after = await api('GET', `/admin/api/users/${String(member.json.id)}`);
      expect(after.json).toMatchObject({ groupIds: [], isAdmin: false });
    });
  });

  describe('audit trail', () => {
    it('records admin actions with the actor and serves them newest first, per user and overall', async () => {
      const created = await api('POST', '/admin/api/users', {
        body: { email: 'audited@example.com', password: 'a-good-long-password-1' },
      });
      const id = String(created.json.id);
      await api('PATCH', `/admin/api/users/${id}`, { body: { name: 'Audited' } });
      await api('PATCH', `/admin/api/users/${id}`, { body: { password: 'a-new-long-password-2' } });

      const mine = await api('GET', `/admin/api/users/${id}/audit`);
      expect(mine.status).toBe(200);
      expect(mine.json.items?.map((e) => e.action)).toEqual([
        'user.set_password',
        'user.update',
        'user.create',
      ]);
      expect(mine.json).toMatchObject({ total: 3, page: 1, pageSize: 20 });
      expect(mine.json.items?.[1]).toMatchObject({
        actorId: admin.id,
        actorEmail: admin.email,
        targetType: 'user',
        targetId: id,
        targetLabel: 'audited@example.com',
        result: 'success',
        details: { fields: ['name'] },
      });
      expect(JSON.stringify(mine.json)).not.toContain('a-new-long-password-2');

      const all = await api('GET', '/admin/api/audit?pageSize=100');
      expect(all.status).toBe(200);
      expect(Number(all.json.total)).toBeGreaterThan(10);
      const actions = new Set(all.json.items?.map((e) => e.action));
      for (const action of [
        'user.create',
        'role.create',
        'group.create',
        'role.delete',
        'group.delete',
      ]) {
        expect(actions).toContain(action);
      }
      const filtered = await api(`GET`, `/admin/api/audit?targetId=${id}&pageSize=2`);
      expect(filtered.json).toMatchObject({ total: 3, pageSize: 2 });
      expect(filtered.json.items).toHaveLength(2);
    });
  });

  describe('OpenAPI document', () => {
    it('is public, OpenAPI 3.1, with a bearer scheme, and covers every registered route', async () => {
      const res = await fetch(`${base}/admin/api/openapi.json`);
      expect(res.status).toBe(200);
      const doc = (await res.json()) as {
        openapi: string;
        paths: Record<string, Record<string, Record<string, unknown>>>;
        components: {
          schemas: Record<string, unknown>;
          securitySchemes: Record<string, Record<string, unknown>>;
        };
        security: unknown[];
      };
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.components.securitySchemes.bearer).toMatchObject({
        type: 'http',
        scheme: 'bearer',
      });
      expect(doc.security).toEqual([{ bearer: [] }]);

      const deps = {
        config: op.config,
        services: op.services,
        store: op.store,
        provider: op.provider,
      };
      const routers = adminApiRouters(deps as unknown as Parameters<typeof adminApiRouters>[0]);
      const registered = new Set<string>();
      for (const router of routers) {
        for (const layer of router.stack) {
          const path = String(layer.path);
          if (path.includes('*') || path === '/admin/api') continue; // the JSON 404 catch-all
          for (const method of layer.methods) {
            if (method === 'HEAD') continue;
            registered.add(`${method.toLowerCase()} ${openApiPath(path)}`);
          }
        }
      }
      const documented = new Set<string>();
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const method of Object.keys(ops)) documented.add(`${method} ${path}`);
      }
      expect([...documented].sort()).toEqual([...registered].sort());
      expect(registered.size).toBeGreaterThanOrEqual(22);

      const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
      for (const ref of refs) {
        const name = /#\/components\/schemas\/([^"]+)/.exec(ref)?.[1];
        expect(name && doc.components.schemas[name]).toBeTruthy();
      }
      const getUser = doc.paths['/admin/api/users/{id}']?.get;
      expect(getUser?.parameters).toEqual([
        expect.objectContaining({ name: 'id', in: 'path', required: true }),
      ]);
      const listUsers = doc.paths['/admin/api/users']?.get;
      expect((listUsers?.parameters as Array<{ name: string }>).map((p) => p.name)).toEqual([
        'page',
        'pageSize',
        'search',
      ]);
      const patchUser = doc.paths['/admin/api/users/{id}']?.patch as {
        requestBody: { content: Record<string, { schema: { additionalProperties: boolean } }> };
      };
      expect(patchUser.requestBody.content['application/json']?.schema.additionalProperties).toBe(
        false,
      );
    });
  });
});
