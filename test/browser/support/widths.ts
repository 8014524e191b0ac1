import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';

/** The ways every page is checked: two widths, and the phone again in the dark colour scheme. */
export type WidthName = 'desktop' | 'phone' | 'phone-dark';

/** A width: its name (in screenshot file names and failure messages) and its context options. */
export interface Width {
  readonly name: WidthName;
  readonly options: BrowserContextOptions;
}

const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 1,
  isMobile: true,
  hasTouch: true,
};

/**
 * A laptop screen and a common phone (portrait, touch, mobile viewport meta honoured), and that
 * phone set to the dark colour scheme, whose contrast axe checks as well.
 */
export const WIDTHS: readonly Width[] = [
  {
    name: 'desktop',
    options: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
  },
  { name: 'phone', options: PHONE },
  { name: 'phone-dark', options: { ...PHONE, colorScheme: 'dark' } },
];

/** Options every context shares, so screenshots do not depend on the machine. */
const COMMON: BrowserContextOptions = {
  colorScheme: 'light',
  locale: 'en-GB',
  timezoneId: 'UTC',
  reducedMotion: 'reduce',
};

/**
 * Collects what the browser reports about the page that the production CSP refused ("Refused to
 * load/apply/execute...", "...violates the following Content Security Policy directive..."),
 * uncaught script errors, and the page's own scripts, styles or images that failed to load,
 * until {@link PageWatch.take} empties it.
 */
export class PageWatch {
  private messages: string[] = [];

  constructor(page: Page) {
    page.on('console', (message) => {
      if (/Refused to|Content Security Policy/i.test(message.text())) {
        this.messages.push(`CSP: ${message.text()}`);
      }
    });
    page.on('pageerror', (error) => this.messages.push(`script error: ${error.message}`));
    page.on('response', (response) => {
      const request = response.request();
      if (request.resourceType() === 'document' || response.status() < 400) return;
      if (new URL(request.url()).pathname === '/favicon.ico') return;
      this.messages.push(
        `resource: ${request.method()} ${request.url()} answered ${response.status()}`,
      );
    });
    page.on('requestfailed', (request) => {
      if (request.resourceType() === 'document') return;
      const reason = request.failure()?.errorText ?? 'failed';
      this.messages.push(`resource: ${request.method()} ${request.url()} ${reason}`);
    });
  }

  /** The messages since the last call. */
  take(): string[] {
    const taken = this.messages;
    this.messages = [];
    return taken;
  }
}

/** One person's browser at one width: its context, its only tab, and what that tab reported. */
export interface Tab {
  context: BrowserContext;
  page: Page;
  watch: PageWatch;
  width: Width;
}

/** A fresh context (its own cookies) at `width` with one watched page. */
export async function openTab(browser: Browser, width: Width): Promise<Tab> {
  const context = await browser.newContext({ ...COMMON, ...width.options });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return { context, page, watch: new PageWatch(page), width };
}
