import { randomBytes } from 'node:crypto';
import type { ServiceClientScope } from '../../domain/admin-scopes.ts';
import { AppError } from '../../domain/errors.ts';
import type { Store } from '../../store/index.ts';
import type { ClientMetadata } from '../../store/repos/clients.repo.ts';
import type { Actor, AuditTrail } from '../audit.ts';

/** A service client to register: a back end acting as itself, not for a person. */
export interface ServiceClientInput {
  client_id: string;
  client_name?: string | undefined;
  scopes: readonly ServiceClientScope[];
}

/** What the creator sees once: the registration and its secret (RFC 7591 section 3.2.1). */
export interface CreatedServiceClient {
  client_id: string;
  client_name: string;
  grant_types: string[];
  scope: string;
  client_secret: string;
}

/**
 * Registration of a confidential client that may only use the client credentials grant
 * (RFC 6749 section 4.4) with the admin API scopes an administrator chose: no redirect URIs and
 * no response types, so it can never take part in a person's sign-in.
 */
export function serviceClientMetadata(
  input: ServiceClientInput & { client_secret: string },
): ClientMetadata {
  return {
    client_id: input.client_id,
    client_name: input.client_name ?? input.client_id,
    client_secret: input.client_secret,
    redirect_uris: [],
    grant_types: ['client_credentials'],
    response_types: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: input.scopes.join(' '),
    first_party: false,
    require_mfa: false,
  };
}

/**
 * Creates a service client from the admin API. The secret is generated here (256 random bits),
 * returned once and never stored in the audit trail or logs; an existing client_id is refused
 * (409) so an API call can never take over Produce, Manage or another app's registration.
 */
export async function createServiceClient(
  deps: { store: Store; audit: AuditTrail },
  actor: Actor,
  input: ServiceClientInput,
): Promise<CreatedServiceClient> {
  if (await deps.store.clients.find(input.client_id)) {
    throw new AppError('conflict', 'A client with this client_id exists already.');
  }
  const clientSecret = randomBytes(32).toString('base64url');
  const metadata = serviceClientMetadata({ ...input, client_secret: clientSecret });
  await deps.store.clients.upsert(metadata);
  const scope = input.scopes.join(' ');
  await deps.audit.record(
    actor,
    'client.upsert',
    { type: 'client', id: metadata.client_id, label: metadata.client_name ?? metadata.client_id },
    'success',
    { grant_types: ['client_credentials'], scope },
  );
  return {
    client_id: metadata.client_id,
    client_name: metadata.client_name ?? metadata.client_id,
    grant_types: ['client_credentials'],
    scope,
    client_secret: clientSecret,
  };
}
