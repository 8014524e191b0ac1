import type Provider from 'oidc-provider';
import type { Logger } from 'pino';
import type { EndedSession } from '../store/repos/oidc-sessions.repo.ts';

/**
 * The provider's outgoing requests (its `fetch` setting). node-oidc-provider sends them through
 * a dispatcher that refuses private, loopback and other special-use addresses, a guard against
 * server-side request forgery through URLs that clients register themselves. Here nobody but an
 * administrator registers clients (no dynamic registration, no client metadata documents, no
 * `jwks_uri` clients), so the only outgoing requests are back-channel logouts (Back-Channel
 * Logout 1.0 section 2.5) to URLs an administrator chose, and Produce and Manage may well live
 * on the same host or a private network (development, docker compose, a cluster). The guard is
 * therefore dropped; the library's other options (2.5 s timeout, no redirects) are kept.
 */
export function fetchAdministeredUrl(
  input: string | URL | Request,
  init?: RequestInit,
): Promise<Response> {
  return globalThis.fetch(input, { ...init, dispatcher: undefined });
}

/**
 * Logs every back-channel logout the provider sends (Back-Channel Logout 1.0 section 2.5):
 * which client, and why it failed when the client did not answer 200. Never the logout token.
 * A failure does not stop the sign-out at the provider; the log is how an operator finds an
 * app that keeps its session.
 */
export function logBackchannelLogouts(provider: Provider, log: Logger): void {
  provider.on('backchannel.success', (_ctx, client) => {
    log.info({ client: client.clientId }, 'back-channel logout delivered');
  });
  provider.on('backchannel.error', (_ctx, error, client) => {
    log.warn(
      { client: client.clientId, reason: error.message },
      'back-channel logout failed: the app may still show the user as signed in',
    );
  });
}

/**
 * Tells the apps of sessions the store ended itself ("Sign out" of one session or everywhere, a
 * password change, a disabled account) with a logout token each, as the provider does for its
 * own end-session endpoint (Back-Channel Logout 1.0 section 2.5). Failures are logged and never
 * undo the sign-out.
 */
export function sendBackchannelLogoutsForEndedSessions(
  provider: Provider,
  sessions: { onEnded(listener: (ended: EndedSession[]) => Promise<void>): void },
  log: Logger,
): void {
  sessions.onEnded(async (ended) => {
    for (const { accountId, sids } of ended) {
      for (const [clientId, sid] of Object.entries(sids)) {
        const client = await provider.Client.find(clientId).catch(() => undefined);
        if (!client?.backchannelLogoutUri) continue;
        // Present on clients in node-oidc-provider 9 (lib/models/client.js), missing from its types.
        const send = client as unknown as {
          backchannelLogout(sub: string, sid: string): Promise<void>;
        };
        await send.backchannelLogout(accountId, sid).then(
          () => log.info({ client: clientId }, 'back-channel logout delivered'),
          (error: Error) =>
            log.warn(
              { client: clientId, reason: error.message },
              'back-channel logout failed: the app may still show the user as signed in',
            ),
        );
      }
    }
  });
}
