import { CONSOLE_CLIENT_ID } from '../services/seed.ts';

/** The application a page is about, as the page names it. */
export interface AppBranding {
  name: string;
  /** A path on the provider's own origin: the CSP allows images from 'self' only. */
  logoUri?: string;
}

/** The registration fields a page needs (node-oidc-provider's client, camel-cased). */
interface BrandedClient {
  clientId: string;
  clientName?: unknown;
  logoUri?: unknown;
}

/**
 * How sign-in, consent and sign-out pages name an application: its registered `client_name`
 * and `logo_uri` (RFC 7591 section 2), so people see where they are signing in before they type
 * a password. A logo elsewhere than the provider's origin is left out rather than loosening the
 * CSP. The account console is the provider itself: no banner (undefined).
 */
export function appBrandingOf(
  client: BrandedClient | undefined,
  issuer: string,
): AppBranding | undefined {
  if (!client || client.clientId === CONSOLE_CLIENT_ID) return undefined;
  const name =
    typeof client.clientName === 'string' && client.clientName
      ? client.clientName
      : client.clientId;
  const logoUri = typeof client.logoUri === 'string' ? ownPath(client.logoUri, issuer) : undefined;
  return logoUri ? { name, logoUri } : { name };
}

function ownPath(uri: string, issuer: string): string | undefined {
  if (!URL.canParse(uri)) return undefined;
  const url = new URL(uri);
  return url.origin === new URL(issuer).origin ? url.pathname : undefined;
}
