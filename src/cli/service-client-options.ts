import {
  isServiceClientScope,
  scopeList,
  SERVICE_CLIENT_SCOPES,
  type ServiceClientScope,
} from '../domain/admin-scopes.ts';
import { AppError } from '../domain/errors.ts';

type Options = Record<string, string | string[] | boolean | undefined>;

const GRANTS = ['authorization-code', 'client-credentials'] as const;

/**
 * `client:create --grant client-credentials --scope "admin:read admin:write"`: a service client
 * (RFC 6749 section 4.4) for the admin API, which signs nobody in, so options of a sign-in
 * client (redirect URIs, first-party, 2FA, back-channel logout, `--admin-api`) are refused
 * rather than silently dropped. Returns null for an ordinary (authorization code) client.
 */
export function serviceClientOptions(options: Options): { scopes: ServiceClientScope[] } | null {
  const grant = options.grant ?? 'authorization-code';
  if (typeof grant !== 'string' || !(GRANTS as readonly string[]).includes(grant)) {
    throw new AppError('validation_failed', `--grant must be one of: ${GRANTS.join(', ')}`);
  }
  const scope =
    typeof options.scope === 'string' ? scopeList(options.scope.replace(/,/g, ' ')) : [];
  if (grant !== 'client-credentials') {
    if (scope.length)
      throw new AppError('validation_failed', '--scope needs --grant client-credentials');
    return null;
  }
  const signInOnly = [
    'redirect-uri',
    'post-logout-redirect-uri',
    'backchannel-logout-uri',
    'first-party',
    'require-mfa',
    'admin-api',
  ].filter((name) => options[name] !== undefined);
  if (signInOnly.length) {
    throw new AppError(
      'validation_failed',
      `--grant client-credentials signs nobody in: drop --${signInOnly.join(', --')}`,
    );
  }
  if (!scope.length || !scope.every(isServiceClientScope)) {
    throw new AppError(
      'validation_failed',
      `--scope is required with --grant client-credentials: ${SERVICE_CLIENT_SCOPES.join(' and/or ')}`,
    );
  }
  return { scopes: [...new Set(scope.filter(isServiceClientScope))] };
}
