import type { ClientCredentials } from 'oidc-provider';
import { missingAdminScope, scopeList } from '../../../domain/admin-scopes.ts';
import type { Actor } from '../../../services/audit.ts';
import type { WebDeps } from '../../context.ts';

/** How a refused request is answered: 401 `invalid_token` or 403 `insufficient_scope`. */
export interface Refusals {
  invalid(message: string): never;
  insufficientScope(scope: string): never;
}

/** The audit trail's actor for a service client: no person, the client named in `id`. */
export function serviceClientActor(clientId: string, ip: string): Actor {
  return { id: `client:${clientId}`, email: null, ip };
}

/**
 * Authorizes an admin API request made with a client credentials token (RFC 6749 section 4.4)
 * whose audience was already checked. The client is read fresh: a deleted client, or one whose
 * `client_credentials` grant or admin scopes an administrator took away, loses access at once,
 * not when its tokens expire. Reading needs `admin:read` or `admin:write`, changing anything
 * `admin:write` (`missingAdminScope`). Returns the client as the audit trail's actor.
 */
export async function authorizeServiceClient(
  method: string,
  ip: string,
  deps: WebDeps,
  token: ClientCredentials,
  refuse: Refusals,
): Promise<Actor> {
  const client = token.clientId ? await deps.provider.Client.find(token.clientId) : undefined;
  if (!client?.grantTypes?.includes('client_credentials')) {
    return refuse.invalid('The client behind this token may no longer use the admin API.');
  }
  const stillGranted = scopeList(client.scope);
  const scopes = scopeList(token.scope).filter((s) => stillGranted.includes(s));
  const missing = missingAdminScope(method, scopes);
  if (missing) return refuse.insufficientScope(missing);
  return serviceClientActor(client.clientId, ip);
}
