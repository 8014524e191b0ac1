import * as client from 'openid-client';
import type { Config } from '../../config.ts';
import { CONSOLE_CLIENT_ID } from '../../services/seed.ts';

/**
 * The account console as an ordinary relying party of this provider (a public client with PKCE,
 * OAuth 2.1): openid-client talks to the provider's own token endpoint over HTTP and validates
 * the ID token against its JWKS like any other client. Requests for the issuer's URLs go to
 * `selfOrigin()` (this process on the loopback interface), so a public issuer URL behind a proxy
 * need not be reachable from inside the server.
 */
export function consoleClient(config: Config, selfOrigin: () => string): client.Configuration {
  const issuer = config.issuer;
  const configuration = new client.Configuration(
    {
      issuer,
      authorization_endpoint: `${issuer}/auth`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks`,
      end_session_endpoint: `${issuer}/session/end`,
    },
    CONSOLE_CLIENT_ID,
    { id_token_signed_response_alg: 'ES256' },
    client.None(),
  );
  configuration[client.customFetch] = (url, options) => {
    const target = url.startsWith(issuer) ? `${selfOrigin()}${url.slice(issuer.length)}` : url;
    return fetch(target, options as RequestInit);
  };
  if (issuer.startsWith('http:')) client.allowInsecureRequests(configuration);
  return configuration;
}

/** The console's redirect URI (registered for its client by src/services/seed.ts). */
export function consoleCallbackUrl(config: Config): string {
  return `${config.issuer}/account/callback`;
}
