/**
 * Scopes of the admin API resource (RFC 8707). `admin` is what an administrator's own token
 * carries (read-write, from a sign-in with a second factor); `admin:read` and `admin:write` are
 * what an administrator grants a service client for the client credentials grant (RFC 6749
 * section 4.4), so a back end can read without being able to change anything.
 */
export const ADMIN_SCOPE = 'admin';
export const ADMIN_READ_SCOPE = 'admin:read';
export const ADMIN_WRITE_SCOPE = 'admin:write';

/** Every scope the admin API understands. */
export const ADMIN_API_SCOPES = [ADMIN_SCOPE, ADMIN_READ_SCOPE, ADMIN_WRITE_SCOPE] as const;

/** The scopes a service client may be granted (never `admin`, which stands for a person). */
export const SERVICE_CLIENT_SCOPES = [ADMIN_READ_SCOPE, ADMIN_WRITE_SCOPE] as const;

export type ServiceClientScope = (typeof SERVICE_CLIENT_SCOPES)[number];

/** A space-separated `scope` value (RFC 6749 section 3.3) as a list, whatever it held. */
export function scopeList(scope: unknown): string[] {
  return typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [];
}

/** True for a scope a service client may be granted. */
export function isServiceClientScope(scope: string): scope is ServiceClientScope {
  return (SERVICE_CLIENT_SCOPES as readonly string[]).includes(scope);
}

/** The admin API scopes among `scopes` (a client's registered scope or a token's). */
export function adminScopesIn(scopes: readonly string[]): string[] {
  return ADMIN_API_SCOPES.filter((s) => scopes.includes(s));
}

/**
 * Whether a token holding `scopes` may make an admin API request with this HTTP method: reading
 * (GET, HEAD) needs any admin scope, changing anything needs `admin` or `admin:write`. Returns
 * the scope to name in the `insufficient_scope` challenge (RFC 6750 section 3.1), or null.
 */
export function missingAdminScope(method: string, scopes: readonly string[]): string | null {
  const reading = method === 'GET' || method === 'HEAD';
  if (reading) return adminScopesIn(scopes).length ? null : ADMIN_READ_SCOPE;
  return scopes.includes(ADMIN_SCOPE) || scopes.includes(ADMIN_WRITE_SCOPE)
    ? null
    : ADMIN_WRITE_SCOPE;
}
