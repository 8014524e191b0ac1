import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import { isDatabaseUnavailable } from '../store/connection.ts';
import type { Metrics } from './metrics.ts';

/** The provider's error events we log and count (node-oidc-provider emits one per endpoint). */
const ERROR_EVENTS = [
  'authorization.error',
  'grant.error',
  'userinfo.error',
  'introspection.error',
  'revocation.error',
  'end_session.error',
  'end_session_confirm.error',
  'end_session_success.error',
  'jwks.error',
  'discovery.error',
] as const;

/** Grant types counted by name (RFC 6749 sections 4.1, 4.4 and 6); anything else is `other`. */
const GRANT_TYPES = new Set(['authorization_code', 'refresh_token', 'client_credentials']);

/** Bounded label values: a client can send any `grant_type`; error codes are the provider's own. */
function grantTypeLabel(ctx: KoaContextWithOIDC): string {
  const grantType = ctx.oidc?.params?.grant_type;
  return typeof grantType === 'string' && GRANT_TYPES.has(grantType) ? grantType : 'other';
}

function errorCodeLabel(error: unknown): string {
  const code = (error as { error?: unknown }).error;
  return typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : 'other';
}

/**
 * Token grants by type (the "token grants by type") and every error the provider answers,
 * logged with its OAuth error code (RFC 6749 section 5.2) so a refused grant can be told from a
 * server fault. Only the code and description are logged: never the request's parameters, which
 * carry codes, verifiers, refresh tokens and client secrets.
 */
export function observeProvider(provider: Provider, log: Logger, metrics: Metrics): void {
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const grantType = grantTypeLabel(ctx);
    metrics.tokenGrants.inc({ grant_type: grantType, result: 'success' });
    log.info(
      { event: 'grant.success', grantType, client: ctx.oidc.client?.clientId ?? null },
      'token granted',
    );
  });
  // Every error event has the same listener signature; the typings only know them one by one.
  const onError = provider.on.bind(provider) as (
    event: string,
    listener: (ctx: KoaContextWithOIDC, error: unknown) => void,
  ) => void;
  for (const event of ERROR_EVENTS) {
    onError(event, (ctx, error) => {
      const errorCode = errorCodeLabel(error);
      metrics.oidcErrors.inc({ event, error: errorCode });
      if (event === 'grant.error') {
        metrics.tokenGrants.inc({ grant_type: grantTypeLabel(ctx), result: errorCode });
      }
      log.info(
        {
          event,
          errorCode,
          description: (error as { error_description?: unknown }).error_description,
          client: ctx.oidc?.client?.clientId ?? null,
          status: ctx.status,
        },
        'oidc request rejected',
      );
    });
  }
  provider.on('server_error', (ctx: KoaContextWithOIDC, error: unknown) => {
    metrics.oidcErrors.inc({ event: 'server_error', error: 'server_error' });
    if (isDatabaseUnavailable(error)) {
      log.warn(
        { event: 'server_error', errorCode: 'database_unavailable', path: ctx.path },
        'oidc request failed',
      );
    } else {
      log.error(
        { event: 'server_error', errorCode: 'server_error', err: error, path: ctx.path },
        'oidc request failed',
      );
    }
  });
}
