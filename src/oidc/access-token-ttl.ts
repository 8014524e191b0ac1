import type { AccessToken, ClientCredentials } from 'oidc-provider';

/**
 * The lifetime of an access token or client credentials token: the one its resource server
 * declares (`accessTokenTTL`, e.g. the admin API's `ADMIN_API_TOKEN_TTL_SECONDS`), else `fallbackSeconds`. A fixed
 * `ttl.AccessToken` number would override every resource server's lifetime, which is how admin
 * API tokens came to live an hour although 10 minutes was configured.
 */
export function accessTokenTtl(fallbackSeconds: number) {
  return (_ctx: unknown, token: AccessToken | ClientCredentials): number =>
    token.resourceServer?.accessTokenTTL ?? fallbackSeconds;
}
