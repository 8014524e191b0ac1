import type { KoaContextWithOIDC } from 'oidc-provider';

/** Where someone whose sign-in ended starts again: the application that asked for the sign-in. */
export interface StartAgain {
  /** The application's name as its registration gives it (`client_name`, else its id). */
  name: string;
  url: string;
}

/** The registration fields (RFC 7591 names) that say where an application lives. */
export interface ClientLocation {
  client_id: string;
  client_name?: unknown;
  client_uri?: unknown;
  redirect_uris?: unknown;
}

/** `value` as an http(s) URL, or undefined (a native app's custom scheme has no web page). */
function webUrl(value: unknown): URL | undefined {
  if (typeof value !== 'string' || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
}

function redirectUrls(client: ClientLocation): URL[] {
  const uris = Array.isArray(client.redirect_uris) ? (client.redirect_uris as unknown[]) : [];
  return uris.map(webUrl).filter((url): url is URL => url !== undefined);
}

/**
 * The page a user starts a sign-in for `client` again from: its registered home page
 * (`client_uri`), else the origin of its first web redirect URI; undefined when it has neither.
 * Only registered metadata is used, so the link can never point anywhere a client did not
 * register (no open redirect).
 */
export function startAgainAt(client: ClientLocation): StartAgain | undefined {
  const home = webUrl(client.client_uri) ?? redirectUrls(client).map((u) => new URL(u.origin))[0];
  if (!home) return undefined;
  const name =
    typeof client.client_name === 'string' && client.client_name
      ? client.client_name
      : client.client_id;
  return { name, url: home.href };
}

/**
 * The origins `client` is known by: its home page's and its redirect URIs'. A Referer from one
 * of them identifies the application the browser came from.
 */
export function clientOrigins(client: ClientLocation): Set<string> {
  const home = webUrl(client.client_uri);
  return new Set([...(home ? [home] : []), ...redirectUrls(client)].map((url) => url.origin));
}

/**
 * The "Start again" target of an error page the provider renders: the client of the request, or
 * of the interaction being resumed. Undefined when neither is known or the lookup fails: the
 * error page must render even then.
 */
export async function startAgainAfterError(
  ctx: KoaContextWithOIDC,
): Promise<StartAgain | undefined> {
  try {
    const clientId = ctx.oidc.entities.Interaction?.params.client_id;
    const client =
      ctx.oidc.client ??
      (typeof clientId === 'string' ? await ctx.oidc.provider.Client.find(clientId) : undefined);
    return client ? startAgainAt(client.metadata()) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True for the provider's `SessionNotFound`: the interaction, its cookie or the session behind it
 * is gone (expired, already finished, or opened in another browser). The sign-in has ended.
 */
export function isSignInEnded(error: unknown): boolean {
  return error instanceof Error && error.name === 'SessionNotFound';
}

/** The banner of a page that offers "Start again": the application the sign-in was for. */
export function startAgainBanner(startAgain: StartAgain | undefined) {
  return startAgain ? { app: { name: startAgain.name }, appLabel: 'Signing in to' } : {};
}
