import type { SeedClient } from '../config.ts';
import type { ClientMetadata } from '../store/repos/clients.repo.ts';

/** The back-channel logout metadata of a seeded client (Back-Channel Logout 1.0 section 2.2). */
export interface BackchannelLogoutMetadata {
  backchannel_logout_uri?: string;
  backchannel_logout_session_required: boolean;
}

/**
 * The back-channel logout settings Produce or Manage get at a start, from their configuration
 * and what is stored (`stored`: the client as saved before this start, or null):
 *
 * - `<PREFIX>_BACKCHANNEL_LOGOUT_URI` set: that URI, at every start (configuration wins, as for
 *   secrets and redirect URIs);
 * - unset: what is stored is kept, so a URI set or removed through the admin API survives
 *   restarts;
 * - unset and never stored: the development default of `config/clients.json` (none otherwise).
 *
 * A client stored before back-channel logout existed has no `backchannel_logout_session_required`
 * (every later save writes it): it counts as never stored and gets the default once.
 * `backchannel_logout_session_required` defaults to true, so ID tokens and logout tokens carry
 * `sid` and an app can end exactly the session that was signed out.
 */
export function seededBackchannelLogout(
  client: Pick<SeedClient, 'backchannelLogoutUri' | 'defaultBackchannelLogoutUri'>,
  stored: ClientMetadata | null,
): BackchannelLogoutMetadata {
  const saved = stored?.backchannel_logout_session_required;
  const uri =
    client.backchannelLogoutUri ??
    (saved === undefined ? client.defaultBackchannelLogoutUri : stored?.backchannel_logout_uri);
  return {
    ...(uri ? { backchannel_logout_uri: uri } : {}),
    backchannel_logout_session_required: saved ?? true,
  };
}
