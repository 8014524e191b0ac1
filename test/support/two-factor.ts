import jsqr from 'jsqr';
import { PNG } from 'pngjs';
import { timeStep, totpCodeAt } from '../../src/domain/totp.ts';
import { openConsole, postForm } from './console.ts';
import { formAction, hiddenInput, HttpBrowser } from './http-browser.ts';
import {
  atCallback,
  open,
  redeem,
  type PendingAuthorization,
  type Step,
  type TestRp,
} from './relying-party.ts';
import { createUser } from './fixtures.ts';
import type { TestProvider } from './harness.ts';

export const ACR_SINGLE = 'urn:twofold:acr:single-factor';
export const ACR_MULTI = 'urn:twofold:acr:multi-factor';

const STEP_MS = 30_000;

/** jsqr is CommonJS with a `default` export; reach the function whichever way it was loaded. */
type DecodeQr = (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;
const jsQR = ((jsqr as unknown as { default?: DecodeQr }).default ??
  (jsqr as unknown as DecodeQr)) as DecodeQr;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Plays the authenticator app for one secret. Each call to `next()` returns a code for a time
 * step the server has not seen yet (steps only move forward, so replay refusal never trips by
 * accident), inside the server's accepted window with a safety margin at step boundaries. When
 * the window is used up it waits for the next 30-second step.
 */
export class Authenticator {
  lastStep = -Infinity;
  /** The recovery codes shown when this authenticator was turned on. */
  recoveryCodes: string[] = [];
  readonly secret: string;
  readonly window: number;
  constructor(secret: string, window = 1) {
    this.secret = secret;
    this.window = window;
  }

  async next(): Promise<string> {
    for (;;) {
      const now = Date.now();
      const current = timeStep(now);
      const into = now % STEP_MS;
      // Near the end of a step the oldest accepted step is about to leave the window.
      const lowest = current - this.window + (into > 25_000 ? 1 : 0);
      const step = Math.max(this.lastStep + 1, lowest);
      if (step <= current + this.window) {
        this.lastStep = step;
        return totpCodeAt(this.secret, step * STEP_MS);
      }
      await sleep(STEP_MS - into + 100);
    }
  }

  /** A well-formed code that is wrong for every step near now. */
  wrong(): string {
    const now = Date.now();
    const valid = new Set<string>();
    for (let s = -3; s <= 3; s++) valid.add(totpCodeAt(this.secret, now + s * STEP_MS));
    let n = 123456;
    while (valid.has(String(n).padStart(6, '0'))) n = (n + 7919) % 1_000_000;
    return String(n).padStart(6, '0');
  }
}

/** The secret shown as text on the enroll page, without the grouping spaces. */
export function secretFromPage(html: string): string {
  const match = /<code class="secret" id="secret">([^<]*)<\/code>/.exec(html);
  if (!match?.[1]) throw new Error('no secret on the page');
  return match[1].replace(/\s+/g, '');
}

/** Decodes the QR code image (PNG data URL) shown on the enroll page. */
export function qrFromPage(html: string): string {
  const match = /<img class="qr" src="data:image\/png;base64,([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no QR code image on the page');
  const png = PNG.sync.read(Buffer.from(match[1], 'base64'));
  const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  if (!decoded) throw new Error('QR code did not decode');
  return decoded.data;
}

/** A form POST on one of our pages: the first response (with its cookies) and where it led. */
export async function post(
  browser: HttpBrowser,
  rp: TestRp,
  step: Step,
  action: string,
  fields: Record<string, string>,
): Promise<{ response: Response; setCookies: string[]; next: Step }> {
  const target = new URL(formAction(step.html, action), step.url).toString();
  const response = await browser.post(target, { csrf: hiddenInput(step.html, 'csrf'), ...fields });
  const setCookies = response.headers.getSetCookie();
  const location = response.headers.get('location');
  if (response.status >= 300 && response.status < 400 && location) {
    const url = new URL(location, target).toString();
    const next = url.startsWith(rp.redirectUri)
      ? { status: response.status, url, html: '' }
      : await open(browser, rp, url);
    return { response, setCookies, next };
  }
  return {
    response,
    setCookies,
    next: { status: response.status, url: target, html: await response.text() },
  };
}

/** The recovery codes listed on a page that shows them once. */
export function recoveryCodesFromPage(html: string): string[] {
  const list = /<ol class="recovery-codes" id="recovery-codes">(.*?)<\/ol>/s.exec(html)?.[1] ?? '';
  return [...list.matchAll(/<code>([^<]+)<\/code>/g)].map((match) => match[1] ?? '');
}

/**
 * Posts a correct code on the sign-in's set-up page and, on the recovery-codes page it leads to,
 * "I have saved these codes": the codes shown and the step after (the callback, or a consent).
 */
export async function confirmEnrollment(
  browser: HttpBrowser,
  rp: TestRp,
  step: Step,
  code: string,
): Promise<{ codes: string[]; codesPage: Step; next: Step }> {
  const enrolled = await post(browser, rp, step, '/enroll', { code });
  if (
    enrolled.response.status !== 200 ||
    !enrolled.next.html.includes('I have saved these codes')
  ) {
    throw new Error(`enrollment refused: ${enrolled.response.status}`);
  }
  const codes = recoveryCodesFromPage(enrolled.next.html);
  const { next } = await post(browser, rp, enrolled.next, '/continue', {});
  return { codes, codesPage: enrolled.next, next };
}

/** True when the step is our code page. */
export function isOtpPage(step: Step): boolean {
  return step.status === 200 && /\/interaction\/[^/]+\/otp$/.test(step.url);
}

/** True when the step is our enrollment page. */
export function isEnrollPage(step: Step): boolean {
  return step.status === 200 && /\/interaction\/[^/]+\/enroll$/.test(step.url);
}

/** True when the step is the password page. */
export function isLoginPage(step: Step): boolean {
  return step.status === 200 && step.html.includes('name="password"');
}

/** Finishes an enroll page with a correct code; returns the authenticator and the next step. */
export async function finishEnrollment(
  browser: HttpBrowser,
  rp: TestRp,
  step: Step,
  window = 1,
): Promise<{ app: Authenticator; step: Step }> {
  const app = new Authenticator(secretFromPage(step.html), window);
  const { codes, next } = await confirmEnrollment(browser, rp, step, await app.next());
  app.recoveryCodes = codes;
  return { app, step: next };
}

/** Signs in and redeems the code: the ID token claims. */
export async function claimsAt(rp: TestRp, step: Step, pending: PendingAuthorization) {
  if (!atCallback(rp, step)) throw new Error(`not at the callback: ${step.status} ${step.url}`);
  const tokens = await redeem(rp, step.url, pending);
  const claims = tokens.claims();
  if (!claims) throw new Error('no ID token');
  return claims;
}

/**
 * Turns 2FA on for a user the way they do it themselves: sign in to Profile with the password,
 * "Enable Two-Factor Authentication", read the secret as text, and confirm a code with "Turn On".
 * Uses a browser of its own, thrown away afterwards.
 */
export async function enrollFromProfile(
  op: TestProvider,
  user: { email: string; password: string },
): Promise<Authenticator> {
  const browser = new HttpBrowser();
  const page = await openConsole(browser, `${op.url}/account/2fa/enable`, user);
  if (!page.url.endsWith('/account/2fa/enable')) {
    throw new Error(`expected the enable page, got ${page.status} ${page.url}`);
  }
  const app = new Authenticator(secretFromPage(page.html), op.config.totp.window);
  const done = await postForm(browser, page, '/account/2fa/enable', { code: await app.next() });
  app.recoveryCodes = recoveryCodesFromPage(done.html);
  if (app.recoveryCodes.length !== 10) throw new Error(`enrollment did not finish: ${done.url}`);
  return app;
}

/** A user who turned 2FA on from their Profile page, with their authenticator. */
export async function createUserWithTwoFactor(
  op: TestProvider,
  _rp: TestRp,
  input: { email: string; name?: string },
): Promise<Awaited<ReturnType<typeof createUser>> & { app: Authenticator }> {
  const user = await createUser(op, input);
  return { ...user, app: await enrollFromProfile(op, user) };
}
