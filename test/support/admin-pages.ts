import type { RunningServer } from '../../src/server.ts';
import { totpCodeAt } from '../../src/domain/totp.ts';
import { openConsole, postForm, type Page } from './console.ts';
import { createUser } from './fixtures.ts';
import { HttpBrowser } from './http-browser.ts';

/** A signed-in console browser for a user, and the page it reached. */
export interface SignedIn {
  browser: HttpBrowser;
  page: Page;
}

/** Opens `url` (an /admin page) in a new browser and signs in with the password. */
export async function signInToConsole(
  baseUrl: string,
  url: string,
  credentials: { email: string; password: string },
): Promise<SignedIn> {
  const browser = new HttpBrowser();
  const page = await openConsole(browser, `${baseUrl}${url}`, credentials);
  return { browser, page };
}

/**
 * Turns 2FA on for a user through the service (as if they had enrolled from their Profile) and
 * returns the secret, as their authenticator app would hold it.
 */
export async function giveTwoFactor(op: RunningServer, userId: string): Promise<string> {
  const user = await op.store.users.findById(userId);
  if (!user) throw new Error('no such user');
  const channel = `test:${userId}`;
  const screen = await op.services.totp.begin(user, channel);
  const result = await op.services.totp.confirm(
    user,
    channel,
    totpCodeAt(screen.secret, Date.now()),
  );
  if (!result.ok) throw new Error(`enrollment failed: ${result.message}`);
  return screen.secret;
}

/**
 * Opens a console page and signs in with the password and, on the code page, a code for the next
 * time step (the current one was used to enroll and is refused as a replay).
 */
export async function openConsoleWithCode(
  browser: HttpBrowser,
  url: string,
  user: { email: string; password: string },
  secret: string,
): Promise<Page> {
  const page = await openConsole(browser, url, user);
  if (!/\/interaction\/[^/]+\/otp$/.test(page.url)) return page;
  return postForm(browser, page, '/otp', { code: totpCodeAt(secret, Date.now() + 30_000) });
}

/** Creates a user holding the given roles. */
export function createUserWithRoles(
  op: RunningServer,
  email: string,
  roleIds: string[],
  groupIds: string[] = [],
) {
  return createUser(op, { email, name: email.split('@')[0] ?? '', roleIds, groupIds });
}

/** The opening tag of the input with this id, or null. */
export function inputTag(html: string, id: string): string | null {
  return new RegExp(`<input[^>]*id="${id}"[^>]*>`).exec(html)?.[0] ?? null;
}

/** Opens a page, following redirects. */
export async function openPage(browser: HttpBrowser, url: string): Promise<Page> {
  const { response, url: at } = await browser.follow(url);
  return { status: response.status, url: at, html: await response.text() };
}

/** Posts a form (repeated keys allowed) and follows any redirect. */
export async function submitForm(
  browser: HttpBrowser,
  url: string,
  fields: Array<[string, string]>,
): Promise<Page> {
  const response = await browser.request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
  const location = response.headers.get('location');
  if (response.status >= 300 && response.status < 400 && location) {
    return openPage(browser, new URL(location, url).toString());
  }
  return { status: response.status, url, html: await response.text() };
}

/** A provider with a signed-in administrator (an admin role, 2FA on, signed in with a code). */
export async function signedInAdmin(
  op: RunningServer,
  email: string,
): Promise<{ browser: HttpBrowser; admin: Awaited<ReturnType<typeof createUser>> }> {
  const role = await op.store.roles.create({ name: `admins-${email}`, admin: true });
  const admin = await createUserWithRoles(op, email, [role.id]);
  const secret = await giveTwoFactor(op, admin.id);
  const browser = new HttpBrowser();
  const page = await openConsoleWithCode(browser, `${op.url}/admin`, admin, secret);
  if (page.url !== `${op.url}/admin`) throw new Error(`admin sign-in ended at ${page.url}`);
  return { browser, admin };
}

/** The opening tags of every element with an `autofocus` attribute. */
export function autofocused(html: string): string[] {
  const tags = html.match(/<(?:input|select|textarea|button)\b[^>]*>/g) ?? [];
  return tags.filter((tag) => /\sautofocus(?=[\s=/>])/.test(tag));
}
