import { formAction, hiddenInput, type HttpBrowser } from './http-browser.ts';

/** Result of a console page request after any sign-in hops. */
export interface Page {
  status: number;
  url: string;
  html: string;
}

async function read(browser: HttpBrowser, url: string): Promise<Page> {
  const { response, url: at } = await browser.follow(url);
  return { status: response.status, url: at, html: await response.text() };
}

/**
 * Opens a console page (/account, /admin...) and, when sent to the provider's login page, signs
 * in with the password like a person would. Returns the page reached after the password (which
 * may be a code or enrollment page when 2FA is owed).
 */
export async function openConsole(
  browser: HttpBrowser,
  url: string,
  credentials?: { email: string; password: string },
): Promise<Page> {
  const page = await read(browser, url);
  if (!credentials || !page.html.includes('/login"')) return page;
  const action = new URL(formAction(page.html, '/login'), page.url).toString();
  const response = await browser.post(action, {
    csrf: hiddenInput(page.html, 'csrf'),
    ...credentials,
  });
  const location = response.headers.get('location');
  if (!location) return { status: response.status, url: action, html: await response.text() };
  return read(browser, new URL(location, action).toString());
}

/** Posts a form found on `page` (by action substring) with its CSRF token, following redirects. */
export async function postForm(
  browser: HttpBrowser,
  page: Page,
  action: string,
  fields: Record<string, string>,
): Promise<Page> {
  const target = new URL(formAction(page.html, action), page.url).toString();
  const response = await browser.post(target, { csrf: hiddenInput(page.html, 'csrf'), ...fields });
  const location = response.headers.get('location');
  if (!location) return { status: response.status, url: target, html: await response.text() };
  return read(browser, new URL(location, target).toString());
}
