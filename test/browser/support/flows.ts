import type { Locator, Page, Response } from 'playwright-core';
import type { Authenticator } from '../../support/two-factor.ts';

/** Someone who signs in: their email and password, and their authenticator app when they have one. */
export interface Person {
  email: string;
  password: string;
  app?: Authenticator;
}

/** Opens `url` and waits for the page it ends on to load; the final response (status). */
export async function visit(page: Page, url: string): Promise<Response | null> {
  return page.goto(url, { waitUntil: 'load' });
}

/**
 * Activates a link or button that leads to a new page (from the keyboard: focus and Enter, so a
 * page that overflows a phone's screen cannot make the test tap the wrong place) and waits until
 * that page has loaded.
 */
export async function clickThrough(page: Page, target: Locator): Promise<void> {
  const loaded = page.waitForEvent('load', { timeout: 15_000 });
  await target.press('Enter');
  await loaded;
}

/** Ticks or unticks a checkbox from the keyboard (Space), like {@link clickThrough}. */
export async function setTicked(target: Locator, ticked: boolean): Promise<void> {
  if ((await target.isChecked()) !== ticked) await target.press('Space');
  if ((await target.isChecked()) !== ticked) throw new Error('the checkbox did not change');
}

/**
 * Fails unless the browser is back at the app (`redirectUri`) with an authorization code; the
 * message names the page it is on instead, with its h1 and any error shown.
 */
export async function expectAtApp(page: Page, redirectUri: string): Promise<void> {
  const url = page.url();
  if (url.startsWith(`${redirectUri}?`) && new URL(url).searchParams.has('code')) return;
  const h1 = await page
    .locator('h1')
    .first()
    .textContent({ timeout: 1000 })
    .catch(() => null);
  const alert = await page
    .locator('[role="alert"], .error')
    .first()
    .textContent({ timeout: 1000 })
    .catch(() => null);
  throw new Error(`expected to be back at the app, but on ${url} (h1 "${h1}", error "${alert}")`);
}

/** The form whose action ends with `action` (the forms' actions are stable, their words are not). */
export function form(page: Page, action: string): Locator {
  return page.locator(`form[action$="${action}"]`);
}

/** Fills fields (by name) of the form whose action ends with `action` and submits it. */
export async function submitForm(
  page: Page,
  action: string,
  fields: Record<string, string> = {},
): Promise<void> {
  const target = form(page, action);
  for (const [name, value] of Object.entries(fields)) {
    await target.locator(`[name="${name}"]`).fill(value);
  }
  await clickThrough(page, target.locator('[type="submit"]').first());
}

const LOGIN_PAGE = /\/interaction\/[^/?]+$/;
const CODE_PAGE = /\/interaction\/[^/?]+\/otp$/;

/**
 * From the page the browser is on, signs in like the person would: the password on the sign-in
 * page, then a code on the code page. Stops on any other page (the destination, a set-up...).
 */
export async function signIn(page: Page, person: Person): Promise<void> {
  for (let step = 0; step < 3; step++) {
    const path = new URL(page.url()).pathname;
    if (LOGIN_PAGE.test(path) && (await form(page, '/login').count())) {
      await submitForm(page, '/login', { email: person.email, password: person.password });
    } else if (CODE_PAGE.test(path) && person.app) {
      await submitForm(page, '/otp', { code: await person.app.next() });
    } else {
      return;
    }
  }
}

/** The interaction (sign-in) a page belongs to: `/interaction/<uid>` as an absolute URL. */
export function interactionOf(page: Page): string {
  const match = /^(.*\/interaction\/[^/?]+)/.exec(page.url());
  if (!match?.[1]) throw new Error(`not a sign-in page: ${page.url()}`);
  return match[1];
}
