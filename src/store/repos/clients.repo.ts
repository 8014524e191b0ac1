import type { Connection, mongo } from 'mongoose';
import type { CatalogCache } from './catalog-cache.ts';
import { oidcCollectionName } from '../oidc-adapter.ts';

/** Client metadata as oidc-provider reads it (RFC 7591 names plus our extra properties). */
export interface ClientMetadata {
  client_id: string;
  client_secret?: string;
  client_name?: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  grant_types?: string[];
  response_types?: string[];
  token_endpoint_auth_method?: string;
  scope?: string;
  first_party?: boolean;
  require_mfa?: boolean;
  /** Back-Channel Logout 1.0 section 2.2. */
  backchannel_logout_uri?: string;
  backchannel_logout_session_required?: boolean;
  [key: string]: unknown;
}

interface StoredClient {
  _id: string;
  payload: ClientMetadata;
}

/**
 * Clients live in the provider's own `Client` collection, so oidc-provider finds them through
 * the adapter and the CLI and seeding write the same documents.
 */
export function clientsRepository(connection: Connection, catalog: CatalogCache) {
  const collection = () =>
    (connection.db as mongo.Db).collection<StoredClient>(oidcCollectionName('Client'));
  return {
    /** Saves a client; every process's cached copy is dropped (catalog-cache.ts). */
    async upsert(metadata: ClientMetadata): Promise<void> {
      await collection().replaceOne(
        { _id: metadata.client_id },
        { payload: metadata },
        { upsert: true },
      );
      await catalog.changed();
    },
    async find(clientId: string): Promise<ClientMetadata | null> {
      return (await collection().findOne({ _id: clientId }))?.payload ?? null;
    },
    async list(): Promise<ClientMetadata[]> {
      return (await collection().find().sort({ _id: 1 }).toArray()).map((d) => d.payload);
    },
  };
}

export type ClientsRepository = ReturnType<typeof clientsRepository>;
