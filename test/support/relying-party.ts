import * as client from 'openid-client';
import { formAction, hiddenInput, type HttpBrowser } from './http-browser.ts';

/** Produce or Manage as a real openid-client relying party of the test provider. */
export interface TestRp {
  config: client.Configuration;
  redirectUri: string;
}

export async function discoverRp(
  issuer: string,
  clientId = 'produce',
  secret = `${clientId}-dev-secret`,
  redirectUri = clientId === 'manage'
    ? 'http://127.0.0.1:4002/callback'
    : 'http://127.0.0.1:4001/callback',
): Promise<TestRp> {
  const config = await client.discovery(new URL(issuer), clientId, secret, undefined, {
    execute: [client.allowInsecureRequests],
  });
  return { config, redirectUri };
}

export interface PendingAuthorization {
  url: string;
  verifier: string;
  state: string;
  nonce: string;
}

/** Builds an authorization request with PKCE (S256), state and nonce. */
export async function authorizationRequest(
  rp: TestRp,
  params: Record<string, string> = {},
): Promise<PendingAuthorization> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri,
    scope: 'openid profile email roles',
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url: url.toString(), verifier, state, nonce };
}

/** Exchanges the code at the callback URL for tokens, checking state, nonce and PKCE. */
export async function redeem(rp: TestRp, callbackUrl: string, pending: PendingAuthorization) {
  return client.authorizationCodeGrant(rp.config, new URL(callbackUrl), {
    pkceCodeVerifier: pending.verifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
  });
}

/** One step of the sign-in as the browser sees it. */
export interface Step {
  status: number;
  url: string;
  html: string;
}

/** Starts at the authorization URL and stops at our page or at the RP's callback. */
export async function open(browser: HttpBrowser, rp: TestRp, url: string): Promise<Step> {
  const { response, url: at } = await browser.follow(url, rp.redirectUri);
  return { status: response.status, url: at, html: await response.text() };
}

/** Submits the form on `step` whose action contains `action`, then follows redirects. */
export async function submit(
  browser: HttpBrowser,
  rp: TestRp,
  step: Step,
  action: string,
  fields: Record<string, string>,
): Promise<Step> {
  const target = new URL(formAction(step.html, action), step.url).toString();
  const csrf = hiddenInput(step.html, 'csrf');
  const response = await browser.post(target, { csrf, ...fields });
  const location = response.headers.get('location');
  if (response.status >= 300 && response.status < 400 && location) {
    const next = new URL(location, target).toString();
    if (next.startsWith(rp.redirectUri)) return { status: response.status, url: next, html: '' };
    return open(browser, rp, next);
  }
  return { status: response.status, url: target, html: await response.text() };
}

/** True when the step reached the RP's callback with a code. */
export function atCallback(rp: TestRp, step: Step): boolean {
  return step.url.startsWith(rp.redirectUri) && new URL(step.url).searchParams.has('code');
}

/** Password sign-in from scratch; returns the step after the password. */
export async function signInWithPassword(
  browser: HttpBrowser,
  rp: TestRp,
  email: string,
  password: string,
  params: Record<string, string> = {},
): Promise<{ step: Step; pending: PendingAuthorization }> {
  const pending = await authorizationRequest(rp, params);
  const page = await open(browser, rp, pending.url);
  if (atCallback(rp, page)) return { step: page, pending };
  const step = await submit(browser, rp, page, '/login', { email, password });
  return { step, pending };
}
