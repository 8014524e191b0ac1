import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { cliCommands } from '../../src/cli/commands.ts';
import { totpCodeAt } from '../../src/domain/totp.ts';
import { giveTwoFactor } from '../support/admin-pages.ts';
import { adminApiClient } from '../support/admin-api.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  discoverRp,
  redeem,
  signInWithPassword,
  type TestRp,
} from '../support/relying-party.ts';
import { isOtpPage, post } from '../support/two-factor.ts';

interface Answer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

describe('service clients and tokens APIs can trust', () => {
  let op: TestProvider;
  let resource: string;
  let script: TestRp;
  let adminToken: string;

  async function api(method: string, path: string, token: string, body?: unknown) {
    const response = await fetch(`${op.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      json: (text ? JSON.parse(text) : {}) as Answer['json'],
    };
  }

  /** Registers a service client with the CLI command and returns it as an openid-client. */
  async function cliServiceClient(id: string, scope: string): Promise<TestRp> {
    const secret = `${id}-secret-0123456789`;
    await cliCommands(op.services)['client:create']({
      id,
      secret,
      grant: 'client-credentials',
      scope,
    });
    return discoverRp(op.config.issuer, id, secret);
  }

  /** A client credentials token (RFC 6749 section 4.4) for the admin API resource. */
  async function serviceToken(rp: TestRp, scope: string): Promise<string> {
    return (await client.clientCredentialsGrant(rp.config, { scope, resource })).access_token;
  }

  /** The OAuth error code of a refused token request. */
  async function tokenError(rp: TestRp, parameters: Record<string, string>): Promise<string> {
    try {
      await client.clientCredentialsGrant(rp.config, parameters);
    } catch (error) {
      return String((error as { error?: unknown }).error);
    }
    throw new Error('the token request was not refused');
  }

  beforeAll(async () => {
    op = await startTestProvider();
    resource = `${op.url}/admin/api`;
    script = await adminApiClient(op);
    const role = await op.store.roles.create({ name: 'svc-admin', admin: true });
    const admin = await createUser(op, { email: 'svc-root@example.com', roleIds: [role.id] });
    const secret = await giveTwoFactor(op, admin.id);
    const browser = new HttpBrowser();
    const signIn = await signInWithPassword(browser, script, admin.email, admin.password, {
      scope: 'openid admin',
      resource,
    });
    let { step } = signIn;
    if (isOtpPage(step)) {
      const code = totpCodeAt(secret, Date.now() + 30_000);
      step = (await post(browser, script, step, '/otp', { code })).next;
    }
    if (!atCallback(script, step)) throw new Error(`sign-in did not finish: ${step.url}`);
    const tokens = await client.authorizationCodeGrant(
      script.config,
      new URL(step.url),
      {
        pkceCodeVerifier: signIn.pending.verifier,
        expectedState: signIn.pending.state,
        expectedNonce: signIn.pending.nonce,
      },
      { resource },
    );
    adminToken = tokens.access_token;
  });
  afterAll(async () => op?.close());

  describe('client credentials for the admin API', () => {
    it('reads within admin:read, is refused writes, and is refused outside its scopes', async () => {
      const reader = await cliServiceClient('manage-reader', 'admin:read');
      const token = await serviceToken(reader, 'admin:read');
      expect(await cliCommands(op.services)['client:list']({})).toContain(
        'manage-reader    client credentials, scope admin:read',
      );

      expect((await api('GET', '/admin/api/users', token)).status).toBe(200);
      const write = await api('POST', '/admin/api/roles', token, { name: 'by-reader' });
      expect(write.status).toBe(403);
      expect(write.headers.get('www-authenticate')).toContain('scope="admin:write"');
      expect(await op.store.roles.findByName('by-reader')).toBeNull();

      // Only granted scopes, only for the admin API resource (RFC 8707).
      expect(await tokenError(reader, { scope: 'admin:write', resource })).toBe('invalid_scope');
      expect(await tokenError(reader, { scope: 'admin:delete', resource })).toBe('invalid_scope');
      expect(await tokenError(reader, { scope: 'admin:read' })).toBe('invalid_target');
      expect(
        await tokenError(reader, { scope: 'admin:read', resource: `${op.url}/elsewhere` }),
      ).toBe('invalid_target');
      // A sign-in client may not use the grant ("requested grant type is not allowed").
      const produce = await discoverRp(op.config.issuer);
      expect(await tokenError(produce, { scope: 'admin:read', resource })).toBe('invalid_request');
    });

    it('writes with admin:write, audited with the client as the actor', async () => {
      const backend = await cliServiceClient('manage-backend', 'admin:read admin:write');
      const token = await serviceToken(backend, 'admin:read admin:write');
      const created = await api('POST', '/admin/api/roles', token, { name: 'by-backend' });
      expect(created.status).toBe(201);
      const roleId = String(created.json['id']);

      const audit = await api('GET', `/admin/api/audit?targetId=${roleId}`, adminToken);
      const items = audit.json['items'] as Array<Record<string, unknown>>;
      expect(items[0]).toMatchObject({
        action: 'role.create',
        actorId: 'client:manage-backend',
        actorEmail: null,
        targetId: roleId,
      });
    });

    it('issues tokens that live the configured 600 s, and lose access when the grant is taken away', async () => {
      const rp = await cliServiceClient('short-lived', 'admin:read');
      const token = await serviceToken(rp, 'admin:read');
      const seen = await client.tokenIntrospection(rp.config, token);
      expect(seen).toMatchObject({ active: true, client_id: 'short-lived', aud: resource });
      expect(Number(seen.exp) - Number(seen.iat)).toBe(600);

      const stored = await op.store.clients.find('short-lived');
      if (!stored) throw new Error('client missing');
      await op.store.clients.upsert({ ...stored, grant_types: ['authorization_code'] });
      const refused = await api('GET', '/admin/api/users', token);
      expect(refused.status).toBe(401);
    });

    it('lets an admin register a service client through the API, secret shown once', async () => {
      const created = await api('POST', '/admin/api/clients', adminToken, {
        client_id: 'reports-job',
        client_name: 'Nightly reports',
        grant_types: ['client_credentials'],
        scope: 'admin:read',
      });
      expect(created.status).toBe(201);
      expect(created.json).toMatchObject({
        client_id: 'reports-job',
        grant_types: ['client_credentials'],
        scope: 'admin:read',
      });
      const secret = String(created.json['client_secret']);
      expect(secret.length).toBeGreaterThanOrEqual(43);
      const rp = await discoverRp(op.config.issuer, 'reports-job', secret);
      const token = await serviceToken(rp, 'admin:read');
      expect((await api('GET', '/admin/api/clients', token)).status).toBe(200);
      // A read-only client cannot register clients, and nobody can take over an existing id.
      const escalate = await api('POST', '/admin/api/clients', token, {
        client_id: 'reports-job-2',
        grant_types: ['client_credentials'],
        scope: 'admin:write',
      });
      expect(escalate.status).toBe(403);
      const takeover = await api('POST', '/admin/api/clients', adminToken, {
        client_id: 'produce',
        grant_types: ['client_credentials'],
        scope: 'admin:read',
      });
      expect(takeover.status).toBe(409);
      for (const body of [
        { client_id: 'x-admin', grant_types: ['client_credentials'], scope: 'admin' },
        { client_id: 'x-code', grant_types: ['authorization_code'], scope: 'admin:read' },
        {
          client_id: 'x-secret',
          grant_types: ['client_credentials'],
          scope: 'admin:read',
          client_secret: 'mine-mine-mine-mine',
        },
      ]) {
        expect((await api('POST', '/admin/api/clients', adminToken, body)).status).toBe(400);
      }
      const audit = await api('GET', '/admin/api/audit?targetId=reports-job', adminToken);
      expect(JSON.stringify(audit.json)).not.toContain(secret);
    });
  });

  describe('access tokens', () => {
    it('carry acr, amr and auth_time, and only their own client may introspect them', async () => {
      const user = await createUser(op, { email: 'reader@example.com' });
      const produce = await discoverRp(op.config.issuer);
      const browser = new HttpBrowser();
      const signIn = await signInWithPassword(browser, produce, user.email, user.password);
      expect(atCallback(produce, signIn.step)).toBe(true);
      const tokens = await redeem(produce, signIn.step.url, signIn.pending);

      const own = await client.tokenIntrospection(produce.config, tokens.access_token);
      expect(own).toMatchObject({ active: true, client_id: 'produce', sub: user.id });
      expect(own['acr']).toEqual(expect.any(String));
      expect(own['amr']).toEqual(['pwd']);
      expect(own['auth_time']).toEqual(expect.any(Number));

      const manage = await discoverRp(op.config.issuer, 'manage');
      expect(await client.tokenIntrospection(manage.config, tokens.access_token)).toEqual({
        active: false,
      });
      const refresh = tokens.refresh_token;
      if (refresh) {
        expect(await client.tokenIntrospection(manage.config, refresh)).toEqual({ active: false });
      }
    });

    it('the admin API token of a person carries how they signed in and lives 600 s', async () => {
      const seen = await client.tokenIntrospection(script.config, adminToken);
      expect(seen).toMatchObject({ active: true, aud: resource, scope: 'admin' });
      expect(seen['amr']).toEqual(expect.arrayContaining(['pwd', 'mfa']));
      expect(seen['acr']).toEqual(expect.any(String));
      expect(seen['auth_time']).toEqual(expect.any(Number));
      expect(Number(seen.exp) - Number(seen.iat)).toBe(600);
    });
  });
});
