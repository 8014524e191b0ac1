import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import { HttpBrowser } from '../support/http-browser.ts';
import {
  atCallback,
  authorizationRequest,
  discoverRp,
  open,
  redeem,
  signInWithPassword,
} from '../support/relying-party.ts';
import { createUser } from '../support/fixtures.ts';

async function jwksKids(op: TestProvider): Promise<string[]> {
  const jwks = (await (await fetch(`${op.config.issuer}/jwks`)).json()) as {
    keys: Array<{ kid: string }>;
  };
  return jwks.keys.map((k) => k.kid).sort();
}

/**
 * A restart (same environment, same database, same port) must be invisible to users: accounts,
 * clients, signing keys and SSO sessions all live in MongoDB or in keys taken from the env.
 */
describe('restart: state survives closing and starting the provider again', () => {
  let op: TestProvider;

  beforeAll(async () => {
    op = await startTestProvider();
  });
  afterAll(async () => op?.close());

  it('keeps users, clients, signing keys and an existing SSO session', async () => {
    const role = await op.store.roles.create({ name: 'restart-role' });
    const user = await createUser(op, {
      email: 'restart@example.com',
      name: 'Restart',
      roleIds: [role.id],
    });
    await op.store.clients.upsert({
      client_id: 'restart-client',
      client_name: 'Restart client',
      client_secret: 'restart-client-secret-123',
      redirect_uris: ['http://127.0.0.1:4009/callback'],
      post_logout_redirect_uris: [],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      first_party: true,
      require_mfa: false,
    });
    const kidsBefore = await jwksKids(op);
    expect(kidsBefore).toHaveLength(2);

    // A browser signs in before the restart and keeps its cookies.
    const browser = new HttpBrowser();
    const produceBefore = await discoverRp(op.config.issuer);
    const first = await signInWithPassword(browser, produceBefore, user.email, user.password);
    expect(atCallback(produceBefore, first.step)).toBe(true);
    const firstTokens = await redeem(produceBefore, first.step.url, first.pending);
    const firstAuthTime = firstTokens.claims()?.auth_time;

    const { env, mongodbUri } = op;
    const port = op.config.port;
    await op.close();
    op = await startTestProvider({ env, mongodbUri, port });
    expect(op.config.issuer).toBe(`http://127.0.0.1:${port}`);

    // Keys: the same kids, so tokens issued before the restart still verify.
    expect(await jwksKids(op)).toEqual(kidsBefore);

    // Users and clients are still in the store.
    const stored = await op.store.users.findByEmail('restart@example.com');
    expect(stored?.id).toBe(user.id);
    expect(stored?.roleIds).toEqual([role.id]);
    expect((await op.store.clients.list()).map((c) => c.client_id)).toEqual(
      expect.arrayContaining(['produce', 'manage', 'restart-client']),
    );

    // SSO: the same browser reaches the RP callback without the login page.
    const produce = await discoverRp(op.config.issuer);
    const pending = await authorizationRequest(produce);
    const step = await open(browser, produce, pending.url);
    expect(step.html).not.toContain('name="password"');
    expect(atCallback(produce, step)).toBe(true);
    const tokens = await redeem(produce, step.url, pending);
    expect(tokens.claims()?.sub).toBe(user.id);
    expect(tokens.claims()?.auth_time).toBe(firstAuthTime);
    expect(tokens.claims()?.roles).toEqual(['restart-role']);

    // A fresh browser can still sign in with the password set before the restart.
    const fresh = await signInWithPassword(new HttpBrowser(), produce, user.email, user.password);
    expect(atCallback(produce, fresh.step)).toBe(true);

    // The client registered before the restart is still known to the provider.
    const rp = await discoverRp(
      op.config.issuer,
      'restart-client',
      'restart-client-secret-123',
      'http://127.0.0.1:4009/callback',
    );
    const viaClient = await open(browser, rp, (await authorizationRequest(rp)).url);
    expect(atCallback(rp, viaClient)).toBe(true);
  });
});
