/**
 * The driver's HTTP: node:http with one keep-alive agent (cheaper for the driver than fetch, which
 * matters because the driver shares the CPUs with the provider), loopback only, a timeout on
 * every request, a request counter, and a browser (cookie jar, manual redirects, form reading).
 */
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity, maxFreeSockets: 256 });
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36 twofold-bench';
const TIMEOUT_MS = 30_000;

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Requests sent since start; phases read it to report HTTP requests per operation. */
export const counters = { requests: 0 };

/**
 * One request. `localAddress` (a 127.x.y.z address: all of 127/8 is loopback on Linux) lets a
 * simulated person's browser come from an address of its own, as real users do.
 */
export function request(
  method: 'GET' | 'POST',
  url: string,
  headers: Record<string, string> = {},
  body?: string,
  localAddress?: string,
): Promise<HttpResponse> {
  counters.requests++;
  const target = new URL(url);
  if (target.protocol !== 'http:' || target.hostname !== '127.0.0.1')
    return Promise.reject(new Error(`refusing a non-loopback URL: ${url}`));
  if (localAddress !== undefined && !/^127\.\d+\.\d+\.\d+$/.test(localAddress))
    return Promise.reject(new Error(`refusing a non-loopback source address: ${localAddress}`));
  return new Promise((resolve, reject) => {
    const all: Record<string, string | number> = { 'user-agent': USER_AGENT, ...headers };
    if (body !== undefined) all['content-length'] = Buffer.byteLength(body);
    const req = http.request(
      {
        method,
        hostname: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        headers: all,
        agent,
        ...(localAddress ? { localAddress } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(TIMEOUT_MS, () =>
      req.destroy(
        new Error(`no answer within ${TIMEOUT_MS / 1000} s: ${method} ${target.pathname}`),
      ),
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

export const FORM_TYPE = { 'content-type': 'application/x-www-form-urlencoded' };

/** Closes idle keep-alive sockets so the process can exit promptly. */
export function closeConnections(): void {
  agent.destroy();
}

/** Where a browser stopped: a page (or error), or a redirect to the relying party's callback. */
export interface Step {
  url: string;
  res: HttpResponse;
  /** True when the last Location pointed at `stopAt` (the RP's callback, never requested). */
  atCallback: boolean;
}

/** A browser: a cookie jar and manual redirects. A new one per sign-in means no SSO shortcut. */
export class Browser {
  private readonly cookies = new Map<string, string>();
  private readonly localAddress: string | undefined;

  /** `localAddress`: the loopback address this browser's connections come from (default 127.0.0.1). */
  constructor(localAddress?: string) {
    this.localAddress = localAddress;
  }

  private remember(res: HttpResponse): void {
    for (const line of res.headers['set-cookie'] ?? []) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq < 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0\b|expires=thu, 01[- ]jan[- ]1970/i.test(line))
        this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async send(method: 'GET' | 'POST', url: string, body?: string): Promise<HttpResponse> {
    const headers: Record<string, string> = body === undefined ? {} : { ...FORM_TYPE };
    if (this.cookies.size)
      headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    const res = await request(method, url, headers, body, this.localAddress);
    this.remember(res);
    return res;
  }

  /** GETs `url` (unless `first` is its response already) and follows redirects. */
  async follow(url: string, stopAt?: string, first?: HttpResponse): Promise<Step> {
    let current = url;
    let res = first;
    for (let hops = 0; hops < 15; hops++) {
      res ??= await this.send('GET', current);
      const location = res.headers.location;
      if (res.status < 300 || res.status >= 400 || !location)
        return { url: current, res, atCallback: false };
      const next = new URL(location, current).toString();
      if (stopAt && next.startsWith(stopAt)) return { url: next, res, atCallback: true };
      current = next;
      res = undefined;
    }
    throw new Error(`more than 15 redirects from ${url}`);
  }

  /** Posts a form (with its hidden inputs) and follows the redirects that come back. */
  async submit(form: Form, fields: Record<string, string>, stopAt?: string): Promise<Step> {
    const body = new URLSearchParams({ ...form.inputs, ...fields }).toString();
    const res = await this.send('POST', form.action, body);
    return this.follow(form.action, stopAt, res);
  }
}

function decodeEntities(text: string): string {
  return text
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, dec: string) => String.fromCodePoint(Number(dec)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attributes(tag: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tag.matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g))
    if (m[1] && m[2] !== undefined) out.set(m[1].toLowerCase(), decodeEntities(m[2]));
  return out;
}

/** A form of a page: its absolute action URL and the values of its text and hidden inputs. */
export interface Form {
  action: string;
  inputs: Record<string, string>;
}

/** The first form on the page that has an input named `field`, or null. */
export function findForm(step: Step, field: string): Form | null {
  for (const m of step.res.body.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const inputs: Record<string, string> = {};
    for (const input of (m[2] ?? '').matchAll(/<input\b[^>]*>/gi)) {
      const a = attributes(input[0]);
      const name = a.get('name');
      const type = (a.get('type') ?? 'text').toLowerCase();
      if (!name || type === 'checkbox' || type === 'radio' || type === 'submit') continue;
      inputs[name] = a.get('value') ?? '';
    }
    if (field in inputs) {
      const action = attributes(`<form ${m[1] ?? ''}>`).get('action') ?? step.url;
      return { action: new URL(action, step.url).toString(), inputs };
    }
  }
  return null;
}

/** The href of the first link whose text matches `text`, absolute, or null. */
export function findLink(step: Step, text: RegExp): string | null {
  for (const m of step.res.body.matchAll(/<a\b([^>]*)>([\s\S]*?)<\/a>/gi)) {
    const href = attributes(`<a ${m[1] ?? ''}>`).get('href');
    if (href && text.test(decodeEntities((m[2] ?? '').replace(/<[^>]*>/g, '').trim())))
      return new URL(href, step.url).toString();
  }
  return null;
}

/** The text of the element with the given id, entities decoded, or null. */
export function textById(step: Step, id: string): string | null {
  const m = new RegExp(`<(\\w+)\\b[^>]*\\bid="${id}"[^>]*>([^<]*)</\\1>`).exec(step.res.body);
  return m?.[2] === undefined ? null : decodeEntities(m[2]);
}

/** A short description of a page for error messages: status, path, title, error text. */
export function describe(step: Step): string {
  const title = /<title>([^<]*)<\/title>/i.exec(step.res.body)?.[1]?.trim();
  const error = /class="[^"]*\berror\b[^"]*"[^>]*>\s*([^<]{1,160})/i.exec(step.res.body)?.[1];
  const path = new URL(step.url).pathname;
  return `${step.res.status} ${path}${title ? ` "${decodeEntities(title)}"` : ''}${
    error ? ` [${decodeEntities(error.trim())}]` : ''
  }`;
}
