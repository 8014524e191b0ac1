/**
 * A minimal browser for HTTP-level tests: a cookie jar, manual redirects, and helpers to read
 * forms from our HTML. Real HTTP against a real server; nothing is mocked.
 */
export class HttpBrowser {
  readonly cookies = new Map<string, string>();
  userAgent = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36';

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair?.indexOf('=') ?? -1;
      if (!pair || index < 0) continue;
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = /max-age=0|expires=Thu, 01 Jan 1970/i.test(line);
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', this.cookieHeader());
    headers.set('user-agent', this.userAgent);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.store(response);
    return response;
  }

  get(url: string): Promise<Response> {
    return this.request(url);
  }

  post(url: string, form: Record<string, string>): Promise<Response> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  }

  /**
   * Follows redirects from `url` until a non-redirect response, or until the Location starts
   * with `stopAt` (an RP callback we do not serve). Returns the last response and its URL.
   */
  async follow(url: string, stopAt?: string): Promise<{ response: Response; url: string }> {
    let current = url;
    for (let hops = 0; hops < 20; hops++) {
      const response = await this.get(current);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location)
        return { response, url: current };
      const next = new URL(location, current).toString();
      if (stopAt && next.startsWith(stopAt)) return { response, url: next };
      current = next;
    }
    throw new Error(`too many redirects from ${url}`);
  }
}

/** Reads the value of a hidden input from our HTML. */
export function hiddenInput(html: string, name: string): string {
  const match =
    new RegExp(`name="${name}" value="([^"]*)"`).exec(html) ??
    new RegExp(`value="([^"]*)"[^>]*name="${name}"`).exec(html);
  if (!match?.[1]) throw new Error(`no hidden input ${name} in page`);
  return match[1];
}

/** The form action of the first form posting to a path containing `contains`. */
export function formAction(html: string, contains: string): string {
  const match = new RegExp(`action="([^"]*${contains}[^"]*)"`).exec(html);
  if (!match?.[1]) throw new Error(`no form posting to *${contains}*`);
  return match[1].replace(/&amp;/g, '&');
}
