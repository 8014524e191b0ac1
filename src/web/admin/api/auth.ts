import type { Context } from 'koa';
import { AppError } from '../../../domain/errors.ts';
import { ADMIN_SCOPE, missingAdminScope, scopeList } from '../../../domain/admin-scopes.ts';
import { adminApiResource } from '../../../oidc/provider.ts';
import { authorizeServiceClient } from './service-client-auth.ts';
import type { Actor } from '../../../services/audit.ts';
import type { WebDeps } from '../../context.ts';

/** The token's audience as a list, whatever shape the provider stored it in. */
function audiences(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

/**
 * Authenticates an admin API request from its `Authorization: Bearer` access token, as issued by
 * our own provider for the admin API resource (RFC 8707): a person's with the `admin` scope, or a
 * service client's client credentials token with `admin:read` / `admin:write`
 * (`authorizeServiceClient`; GET needs read, anything else write). Answers 401
 * (`WWW-Authenticate: Bearer ...`, RFC 6750) for a missing, unknown, expired, revoked or
 * wrong-audience token or a deleted/disabled account, and 403 for a valid token whose scope or
 * user is not (or no longer) admin. Admin status is read fresh on every request, so removing a
 * role takes effect at once. Returns the actor to record in the audit trail.
 */
export async function authenticateAdmin(ctx: Context, deps: WebDeps): Promise<Actor> {
  const resource = adminApiResource(deps.config.issuer);
  ctx.set('Cache-Control', 'no-store');
  const challenge = (error?: string, extra = '') =>
    `Bearer realm="${resource}"${error ? `, error="${error}"` : ''}${extra}`;
  const invalid = (message: string): never => {
    ctx.set('WWW-Authenticate', challenge('invalid_token'));
    throw new AppError('unauthorized', message);
  };

  const header = ctx.get('authorization');
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!header) {
    // RFC 6750 §3.1: no error code when the request carried no credentials at all.
    ctx.set('WWW-Authenticate', challenge());
    throw new AppError(
      'unauthorized',
      'An admin access token is required (Authorization: Bearer).',
    );
  }
  if (!match?.[1]) return invalid('The Authorization header must be "Bearer <access token>".');

  // A person's token (code flow) or a service client's (client credentials grant).
  const token =
    (await deps.provider.AccessToken.find(match[1])) ??
    (await deps.provider.ClientCredentials.find(match[1]));
  if (!token || token.isExpired) return invalid('The access token is invalid or expired.');
  if (!audiences(token.aud).includes(resource)) {
    return invalid('The access token was not issued for the admin API.');
  }
  if (token.isSenderConstrained()) return invalid('Sender-constrained tokens are not supported.');
  const insufficientScope = (scope: string): never => {
    ctx.set('WWW-Authenticate', challenge('insufficient_scope', `, scope="${scope}"`));
    throw new AppError('forbidden', `The access token lacks the ${scope} scope.`);
  };
  if (token instanceof deps.provider.ClientCredentials) {
    return authorizeServiceClient(ctx.method, ctx.ip, deps, token, { invalid, insufficientScope });
  }
  if (token.grantId) {
    const grant = await deps.provider.Grant.find(token.grantId);
    if (!grant || grant.accountId !== token.accountId) {
      return invalid('The access token was revoked.');
    }
  }
  // People ask for `admin` (read-write); `admin:read` alone lets them read only.
  if (missingAdminScope(ctx.method, scopeList(token.scope))) insufficientScope(ADMIN_SCOPE);
  const amr = (token.extra as { amr?: unknown } | undefined)?.amr;
  if (deps.config.adminsNeedTwoFactor && !(Array.isArray(amr) && amr.includes('mfa'))) {
    throw new AppError(
      'forbidden',
      'The admin API needs a token from a sign-in with a second factor (amr "mfa").',
    );
  }
  const { account } = deps.services;
  const user = token.accountId ? await account.findById(token.accountId) : null;
  if (!user || user.disabled) return invalid('The account behind this token is not active.');
  if (!(await account.accessProfile(user)).isAdmin) {
    throw new AppError('forbidden', 'This account does not have an admin role.');
  }
  return { id: user.id, email: user.email, ip: ctx.ip };
}
