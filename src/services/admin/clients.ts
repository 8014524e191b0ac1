import {
  BACKCHANNEL_LOGOUT_URI_RULE,
  isBackchannelLogoutUri,
} from '../../domain/backchannel-logout.ts';
import { AppError } from '../../domain/errors.ts';
import type { Store } from '../../store/index.ts';
import type { ClientMetadata } from '../../store/repos/clients.repo.ts';
import type { Actor, AuditTrail } from '../audit.ts';
import { CONSOLE_CLIENT_ID } from '../seed.ts';
import { createServiceClient, type ServiceClientInput } from './service-clients.ts';

/** A registered relying party as administrators see it: never its secret. */
export interface ClientView {
  client_id: string;
  client_name: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  backchannel_logout_uri: string | null;
  backchannel_logout_session_required: boolean;
  first_party: boolean;
  require_mfa: boolean;
}

/** A change to a client's back-channel logout registration; `null` removes the URI. */
export interface BackchannelLogoutChange {
  backchannel_logout_uri?: string | null;
  backchannel_logout_session_required?: boolean;
}

function viewOf(client: ClientMetadata): ClientView {
  return {
    client_id: client.client_id,
    client_name: client.client_name ?? client.client_id,
    redirect_uris: [...client.redirect_uris],
    post_logout_redirect_uris: [...(client.post_logout_redirect_uris ?? [])],
    backchannel_logout_uri: client.backchannel_logout_uri ?? null,
    backchannel_logout_session_required: client.backchannel_logout_session_required ?? false,
    first_party: client.first_party ?? false,
    require_mfa: client.require_mfa ?? false,
  };
}

/**
 * Relying party administration: the list of registered clients (without secrets) and their
 * back-channel logout registration (OpenID Connect Back-Channel Logout 1.0 section 2.2), so an
 * app can be signed out when its user signs out elsewhere. Produce and Manage keep what is set
 * here across restarts unless their `*_BACKCHANNEL_LOGOUT_URI` is configured (seed.ts).
 */
export function adminClients(deps: { store: Store; audit: AuditTrail }) {
  const { store, audit } = deps;
  return {
    /** Registers a client-credentials service client for the admin API (service-clients.ts). */
    createServiceClient: (actor: Actor, input: ServiceClientInput) =>
      createServiceClient({ store, audit }, actor, input),

    /** Every registered client, by id. */
    async list(): Promise<ClientView[]> {
      return (await store.clients.list()).map(viewOf);
    },

    /**
     * Sets or removes a client's `backchannel_logout_uri` and sets whether logout tokens (and
     * ID tokens) carry `sid` (`backchannel_logout_session_required`, true unless said
     * otherwise). The console belongs to the provider itself and is refused.
     */
    async updateBackchannelLogout(
      actor: Actor,
      id: string,
      change: BackchannelLogoutChange,
    ): Promise<ClientView> {
      const client = await store.clients.find(id);
      if (!client) throw new AppError('not_found', 'No such client.');
      if (id === CONSOLE_CLIENT_ID) {
        throw new AppError(
          'forbidden',
          'The account console is part of the provider: signing out there ends its session already.',
        );
      }
      const uri = change.backchannel_logout_uri;
      if (typeof uri === 'string' && !isBackchannelLogoutUri(uri)) {
        throw new AppError(
          'validation_failed',
          `backchannel_logout_uri ${BACKCHANNEL_LOGOUT_URI_RULE}`,
        );
      }
      const { backchannel_logout_uri: previous, ...rest } = client;
      const nextUri = uri === undefined ? previous : uri;
      const next: ClientMetadata = {
        ...rest,
        ...(nextUri ? { backchannel_logout_uri: nextUri } : {}),
        backchannel_logout_session_required:
          change.backchannel_logout_session_required ??
          client.backchannel_logout_session_required ??
          true,
      };
      await store.clients.upsert(next);
      await audit.record(
        actor,
        'client.upsert',
        { type: 'client', id, label: client.client_name ?? id },
        'success',
        { ...change },
      );
      return viewOf(next);
    },
  };
}

export type AdminClients = ReturnType<typeof adminClients>;
