import { errors, type Client, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import { adminScopesIn, scopeList } from '../domain/admin-scopes.ts';

const CLIENT_CREDENTIALS = 'client_credentials';

/**
 * A client credentials request must name its resource (RFC 8707 section 2): a token for no
 * audience would be accepted nowhere, so the request is refused with `invalid_target` rather
 * than answered with a useless token. Other grants default to no resource (userinfo tokens).
 */
export function defaultResource(ctx: KoaContextWithOIDC): undefined {
  if (ctx.oidc.params?.grant_type === CLIENT_CREDENTIALS) {
    throw new errors.InvalidTarget(
      'a client credentials request needs the resource parameter (RFC 8707)',
    );
  }
  return undefined;
}

/**
 * The one resource server the provider knows, the admin API (RFC 8707): only clients an
 * administrator registered with admin scopes may ask for it, and only for those scopes. A client
 * credentials request naming an admin scope the client was not granted, or an unknown scope, is
 * refused with `invalid_scope` (RFC 6749 section 5.2) instead of being silently narrowed.
 * Its tokens are opaque, so the admin API reads them (and revocation) from the store on every
 * request, and live `ttlSeconds` (`ADMIN_API_TOKEN_TTL_SECONDS`, 10 minutes by default: a leaked
 * admin token is short-lived).
 */
export function adminResourceServer(adminResource: string, ttlSeconds: number) {
  return (ctx: KoaContextWithOIDC, resource: string, client: Client): ResourceServer => {
    const granted = adminScopesIn(scopeList(client.scope));
    if (resource !== adminResource || !granted.length) {
      throw new errors.InvalidTarget('unknown or not permitted resource');
    }
    if (ctx.oidc.params?.grant_type === CLIENT_CREDENTIALS) {
      const refused = scopeList(ctx.oidc.params.scope).find((s) => !granted.includes(s));
      if (refused !== undefined) {
        throw new errors.InvalidScope('requested scope is not granted to this client', refused);
      }
    }
    return {
      scope: granted.join(' '),
      audience: adminResource,
      accessTokenTTL: ttlSeconds,
      accessTokenFormat: 'opaque',
    };
  };
}
