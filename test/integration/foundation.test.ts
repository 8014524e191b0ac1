import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as client from 'openid-client';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  authorizationRequest,
  discoverRp,
  redeem,
  signInWithPassword,
  type TestRp,
} from '../support/relying-party.ts';
import { createUser } from '../support/fixtures.ts';

describe('foundation: discovery, password sign-in, tokens', () => {
  let op: TestProvider;
  let produce: TestRp;

  beforeAll(async () => {
    op = await startTestProvider();
    produce = await discoverRp(op.config.issuer);
  });
  afterAll(async () => op?.close());

  it('publishes discovery with PKCE S256 only, both ACR values and the endpoints RPs need', async () => {
    const meta = (await (
      await fetch(`${op.config.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(op.config.issuer);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    // The code flow only: no implicit or hybrid responses.
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.grant_types_supported).toEqual([
      'authorization_code',
      'refresh_token',
      'client_credentials',
    ]);
    expect(meta.acr_values_supported).toEqual([
      'urn:twofold:acr:single-factor',
      'urn:twofold:acr:multi-factor',
    ]);
    for (const key of [
      'authorization_endpoint',
      'token_endpoint',
      'userinfo_endpoint',
      'revocation_endpoint',
      'introspection_endpoint',
      'end_session_endpoint',
      'jwks_uri',
    ]) {
      expect(typeof meta[key]).toBe('string');
    }
    expect(meta.claims_supported).toEqual(
      expect.arrayContaining(['amr', 'acr', 'auth_time', 'roles', 'groups', 'email']),
    );
    expect(meta.scopes_supported).toEqual(
      expect.arrayContaining(['openid', 'offline_access', 'profile', 'email', 'roles']),
    );
  });

  it('publishes an ES256 and an RS256 public key, and no private parts', async () => {
    const jwks = (await (await fetch(`${op.config.issuer}/jwks`)).json()) as {
      keys: Array<Record<string, string>>;
    };
    expect(jwks.keys.map((k) => k.alg).sort()).toEqual(['ES256', 'RS256']);
    for (const key of jwks.keys) {
      expect(key.use).toBe('sig');
      expect(key.d).toBeUndefined();
      expect(key.p).toBeUndefined();
    }
  });

  it('signs a CLI-style user in with code + PKCE and returns ID token and userinfo claims, roles via a group', async () => {
    const role = await op.store.roles.create({ name: 'produce-editor' });
    const group = await op.store.groups.create({ name: 'kitchen', roleIds: [role.id] });
    const user = await createUser(op, {
      email: 'Alice@Example.com',
      name: 'Alice',
      groupIds: [group.id],
    });
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(
      browser,
      produce,
      'alice@example.com',
      user.password,
    );
    expect(atCallback(produce, step)).toBe(true);
    const tokens = await redeem(produce, step.url, pending);
    const claims = tokens.claims();
    expect(claims?.sub).toBe(user.id);
    expect(claims?.email).toBe('alice@example.com');
    expect(claims?.roles).toEqual(['produce-editor']);
    expect(claims?.groups).toEqual(['kitchen']);
    expect(claims?.amr).toEqual(['pwd']);
    expect(claims?.acr).toBe('urn:twofold:acr:single-factor');
    expect(typeof claims?.auth_time).toBe('number');
    const info = await client.fetchUserInfo(produce.config, tokens.access_token, user.id);
    expect(info).toMatchObject({
      sub: user.id,
      email: 'alice@example.com',
      name: 'Alice',
      roles: ['produce-editor'],
      groups: ['kitchen'],
    });
  });

  it('answers a wrong password and an unknown email with the same page and status', async () => {
    await createUser(op, { email: 'bob@example.com' });
    const wrong = await signInWithPassword(
      new HttpBrowser(),
      produce,
      'bob@example.com',
      'not-the-password-1',
    );
    const unknown = await signInWithPassword(
      new HttpBrowser(),
      produce,
      'nobody@example.com',
      'not-the-password-1',
    );
    expect(wrong.step.status).toBe(401);
    expect(unknown.step.status).toBe(401);
    expect(wrong.step.html).toContain('Invalid email or password.');
    const strip = (html: string) =>
      html.replace(/value="[^"]*"/g, '').replace(/\/interaction\/[^/"]+/g, '');
    expect(strip(unknown.step.html)).toBe(
      strip(wrong.step.html).replace('bob@example.com', 'nobody@example.com'),
    );
  });

  it('refuses a disabled user with the same message', async () => {
    const user = await createUser(op, { email: 'carol@example.com' });
    await op.store.users.update(user.id, { disabled: true });
    const { step } = await signInWithPassword(
      new HttpBrowser(),
      produce,
      'carol@example.com',
      user.password,
    );
    expect(step.status).toBe(401);
    expect(step.html).toContain('Invalid email or password.');
  });

  it('issues a refresh token with offline_access + prompt=consent, refreshes it, and revokes it', async () => {
    const user = await createUser(op, { email: 'dave@example.com' });
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(
      browser,
      produce,
      user.email,
      user.password,
      {
        scope: 'openid email offline_access',
        prompt: 'consent',
      },
    );
    const tokens = await redeem(produce, step.url, pending);
    expect(tokens.refresh_token).toBeTruthy();
    const refreshed = await client.refreshTokenGrant(
      produce.config,
      tokens.refresh_token as string,
    );
    expect(refreshed.access_token).toBeTruthy();
    expect(refreshed.claims()?.sub).toBe(user.id);
    const introspected = await client.tokenIntrospection(produce.config, refreshed.access_token);
    expect(introspected.active).toBe(true);
    await client.tokenRevocation(produce.config, refreshed.refresh_token as string);
    await expect(
      client.refreshTokenGrant(produce.config, refreshed.refresh_token as string),
    ).rejects.toMatchObject({ error: 'invalid_grant' });
    await client.tokenRevocation(produce.config, refreshed.access_token);
    expect((await client.tokenIntrospection(produce.config, refreshed.access_token)).active).toBe(
      false,
    );
  });

  it('signs the user out through RP-initiated logout with a confirmation page', async () => {
    const user = await createUser(op, { email: 'erin@example.com' });
    const browser = new HttpBrowser();
    const { step, pending } = await signInWithPassword(browser, produce, user.email, user.password);
    const tokens = await redeem(produce, step.url, pending);
    const logoutUrl = client.buildEndSessionUrl(produce.config, {
      id_token_hint: tokens.id_token as string,
      post_logout_redirect_uri: 'http://127.0.0.1:4001/',
    });
    const page = await browser.get(logoutUrl.toString());
    const html = await page.text();
    expect(html).toContain('Do you want to sign out');
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const action = /action="([^"]+)"/.exec(html)?.[1] ?? '';
    const confirm = await browser.post(new URL(action, op.config.issuer).toString(), {
      xsrf,
      logout: 'yes',
    });
    expect(confirm.status).toBe(303);
    expect(confirm.headers.get('location')).toBe('http://127.0.0.1:4001/');
    const again = await browser.follow(
      (await authorizationRequest(produce)).url,
      produce.redirectUri,
    );
    expect(again.response.status).toBe(200);
    expect(await again.response.text()).toContain('Sign in');
  });

  it('rejects bad and oversized form input with a 4xx page, never a 500', async () => {
    const browser = new HttpBrowser();
    const { url } = await authorizationRequest(produce);
    const page = await browser.follow(url);
    const action = `${page.url}/login`;
    const missing = await browser.post(action, { email: 'x@example.com' });
    expect(missing.status).toBe(400);
    const huge = await browser.post(action, {
      email: 'x@example.com',
      password: 'a'.repeat(40_000),
      csrf: 'x',
    });
    expect(huge.status).toBe(413);
    const notForm = await browser.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(notForm.status).toBe(400);
    const noCsrf = await browser.post(action, {
      email: 'x@example.com',
      password: 'whatever-long',
      csrf: 'forged',
    });
    expect(noCsrf.status).toBe(403);
    const noInteraction = await new HttpBrowser().post(action, {
      email: 'x@example.com',
      password: 'p',
      csrf: 'x',
    });
    expect(noInteraction.status).toBe(400);
  });
});
