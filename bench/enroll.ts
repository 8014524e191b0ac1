/**
 * Turns 2FA on for a bench user the way a person does it, over HTTP: sign in at /account
 * (Profile), follow "Enable Two-Factor Authentication", read the secret shown as text, type a
 * code from the app and press "Turn On". Should the sign-in itself ask for enrollment, the
 * secret and code are given on that page instead, as a person would.
 */
import { Browser, describe, findForm, findLink, textById, type Step } from './http.ts';
import type { BenchUser } from './totp.ts';

const ON = /Two-factor authentication is on/i;

/** Reads the secret on an enrollment page and submits a code for it; the page it leads to. */
async function turnOn(browser: Browser, user: BenchUser, page: Step): Promise<Step> {
  const secret = textById(page, 'secret');
  const form = findForm(page, 'code');
  if (!secret || !form)
    throw new Error(`expected the secret and a code form, got ${describe(page)}`);
  user.setSecret(secret.replace(/\s+/g, ''));
  return browser.submit(form, { code: user.code() });
}

export async function enrollTwoFactor(issuer: string, user: BenchUser): Promise<void> {
  const browser = new Browser(user.address);
  const start = await browser.follow(`${issuer}/account`);
  const login = start.res.status === 200 ? findForm(start, 'password') : null;
  if (!login) throw new Error(`expected the login page at /account, got ${describe(start)}`);

  const after = await browser.submit(login, { email: user.email, password: user.password });
  let done: Step;
  if (after.res.status === 200 && textById(after, 'secret') !== null) {
    done = await turnOn(browser, user, after); // enrollment asked for at sign-in
  } else {
    const link =
      after.res.status === 200 ? findLink(after, /^Enable Two-Factor Authentication$/i) : null;
    if (!link) throw new Error(`expected Profile with the enable link, got ${describe(after)}`);
    done = await turnOn(browser, user, await browser.follow(link));
  }
  if (done.res.status !== 200 || !ON.test(done.res.body))
    throw new Error(`2FA was not turned on: ${describe(done)}`);
}
