import type { Grant, KoaContextWithOIDC } from 'oidc-provider';

/** Adds to `grant` every scope, claim and resource scope the current request asks for. */
export function grantRequested(grant: Grant, oidc: KoaContextWithOIDC['oidc']): void {
  const scopes = [...(oidc.requestParamOIDCScopes ?? [])];
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  const claims = [...(oidc.requestParamClaims ?? [])];
  if (claims.length) grant.addOIDCClaims(claims);
  for (const [resource, server] of Object.entries(oidc.resourceServers ?? {})) {
    grant.addResourceScope(resource, server.scope);
  }
}
