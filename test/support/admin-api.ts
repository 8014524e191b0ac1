import * as client from 'openid-client';
import type { TestProvider } from './harness.ts';
import { HttpBrowser } from './http-browser.ts';
import { atCallback, discoverRp, signInWithPassword, type TestRp } from './relying-party.ts';
import { isOtpPage, post, type Authenticator } from './two-factor.ts';

/** A first-party script client that may ask for the admin API resource. */
const ADMIN_API_CLIENT = {
  client_id: 'compliance-script',
  client_secret: 'compliance-script-secret-123',
  redirect_uris: ['http://127.0.0.1:4009/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'openid profile email roles admin',
  first_party: true,
};

/** Registers the admin script client and returns it as a relying party. */
export async function adminApiClient(op: TestProvider): Promise<TestRp> {
  await op.store.clients.upsert(ADMIN_API_CLIENT);
  return discoverRp(
    op.config.issuer,
    ADMIN_API_CLIENT.client_id,
    ADMIN_API_CLIENT.client_secret,
    ADMIN_API_CLIENT.redirect_uris[0],
  );
}

/**
 * A real access token for the admin API (code flow with PKCE and `resource`, RFC 8707), signed
 * in as `user` with their password and, when asked, a code from their authenticator.
 */
export async function adminApiToken(
  script: TestRp,
  resource: string,
  user: { email: string; password: string; app?: Authenticator },
): Promise<string> {
  const browser = new HttpBrowser();
  const signIn = await signInWithPassword(browser, script, user.email, user.password, {
    scope: 'openid admin',
    resource,
  });
  let { step } = signIn;
  if (user.app && isOtpPage(step)) {
    step = (await post(browser, script, step, '/otp', { code: await user.app.next() })).next;
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
  return tokens.access_token;
}
