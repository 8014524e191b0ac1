import Provider, {
  errors,
  type Configuration,
  type KoaContextWithOIDC,
  type JWK,
} from 'oidc-provider';
import { ACR_VALUES } from '../domain/auth-context.ts';
import { providerCookieNames } from '../domain/cookie-names.ts';
import type { Config } from '../config.ts';
import { DATABASE_UNAVAILABLE_MESSAGE, isDatabaseUnavailable } from '../store/connection.ts';
import type { Store } from '../store/index.ts';
import { ADMIN_API_SCOPES } from '../domain/admin-scopes.ts';
import { accessTokenTtl } from './access-token-ttl.ts';
import { createFindAccount } from './account.ts';
import { adminResourceServer, defaultResource } from './admin-resource.ts';
import { introspectionAllowed } from './introspection-policy.ts';
import { fetchAdministeredUrl } from './backchannel-logout.ts';
import { appBrandingOf } from './app-branding.ts';
import { createInteractionPolicy } from './policy.ts';
import { grantRequested } from './grants.ts';
import { sessionTtlSeconds } from './session-lifetime.ts';
import { answerUnknownPathsWithOurPage } from './not-found.ts';
import { signOutSummary } from './sign-out-summary.ts';
import { isSignInEnded, startAgainAfterError, startAgainBanner } from './start-again.ts';

/** Renders a named view to HTML (injected so this layer does not depend on the web layer). */
export type RenderView = (view: string, locals: Record<string, unknown>) => string;

/** Audience and scope of the admin JSON API (RFC 8707 resource indicator). */
export function adminApiResource(issuer: string): string {
  return `${issuer}/admin/api`;
}
export { ADMIN_SCOPE } from '../domain/admin-scopes.ts';

/**
 * Builds the node-oidc-provider instance: authorization code flow with PKCE (S256) for every
 * client, refresh tokens, userinfo, revocation, introspection, RP-initiated and back-channel
 * logout, with all state in MongoDB and our own interaction pages (devInteractions off).
 */
export function createProvider(
  config: Config,
  store: Store,
  keys: JWK[],
  render: RenderView,
): Provider {
  const adminResource = adminApiResource(config.issuer);
  const configuration: Configuration = {
    adapter: store.oidcAdapter,
    findAccount: createFindAccount(store),
    jwks: { keys },
    cookies: {
      names: providerCookieNames(config.secureCookies),
      keys: [...config.cookieKeys],
      long: { signed: true, secure: config.secureCookies, sameSite: 'lax' },
      short: { signed: true, secure: config.secureCookies, sameSite: 'lax' },
    },
    acrValues: [...ACR_VALUES],
    claims: {
      // amr and acr belong to the openid scope so every ID token carries them (RFC 8176).
      openid: ['sub', 'amr', 'acr', 'auth_time'],
      sid: null,
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
      roles: ['roles', 'groups'],
    },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'roles', ...ADMIN_API_SCOPES],
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    // Only the code flow (OAuth 2.1): no implicit or hybrid responses, and discovery says so.
    responseTypes: ['code'],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'ES256',
      require_auth_time: true,
    },
    extraClientMetadata: {
      properties: ['first_party', 'require_mfa'],
      validator(_ctx, key, value) {
        if (value !== undefined && typeof value !== 'boolean') {
          throw new errors.InvalidClientMetadata(`${key} must be a boolean`);
        }
      },
    },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      // RFC 7662 section 4: only the token's own client or its resource server learns about it.
      introspection: { enabled: true, allowedPolicy: introspectionAllowed },
      // Service clients (RFC 6749 section 4.4) for the admin API, with the scopes an admin granted.
      clientCredentials: { enabled: true },
      userinfo: { enabled: true },
      claimsParameter: { enabled: true },
      // Back-Channel Logout 1.0: ending a session at the provider posts a logout token to every
      // app of that session with a backchannel_logout_uri; clients that also set
      // backchannel_logout_session_required get `sid` in ID tokens and logout tokens.
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          const summary = await signOutSummary(ctx, store.users);
          ctx.body = render('logout', {
            form,
            summary,
            app: appBrandingOf(ctx.oidc.client, config.issuer),
            appLabel: 'Sign-out requested by',
          });
        },
        postLogoutSuccessSource(ctx) {
          ctx.body = render('logged-out', {
            app: appBrandingOf(ctx.oidc.client, config.issuer),
            appLabel: 'Signed out of',
          });
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource,
        useGrantedResource: () => true,
        getResourceServerInfo: adminResourceServer(adminResource, config.ttl.adminApiAccessToken),
      },
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy: createInteractionPolicy(store, config.adminsNeedTwoFactor),
    },
    loadExistingGrant: (ctx) => loadGrant(ctx, config.ttl.grant),
    extraTokenClaims: (ctx, token) => authenticationOf(ctx, token),
    ttl: {
      Session: (_ctx, session) => sessionTtlSeconds(config.session, session.loginTs),
      // A grant outlives the session: it carries the refresh tokens of offline access.
      Grant: config.ttl.grant,
      Interaction: config.ttl.interaction,
      AuthorizationCode: config.ttl.authorizationCode,
      // A resource server's own lifetime wins (the admin API's, RFC 8707 resource).
      AccessToken: accessTokenTtl(config.ttl.accessToken),
      ClientCredentials: accessTokenTtl(config.ttl.adminApiAccessToken),
      IdToken: config.ttl.idToken,
      RefreshToken: config.ttl.grant,
    },
    rotateRefreshToken: true,
    fetch: fetchAdministeredUrl,
    async renderError(ctx, out, error) {
      const unavailable = isDatabaseUnavailable(error);
      if (unavailable) ctx.status = 503;
      ctx.type = 'html';
      // "Start again" leads back to the application that asked, when it is known.
      const startAgain = unavailable ? undefined : await startAgainAfterError(ctx);
      if (isSignInEnded(error)) {
        ctx.body = render('sign-in-ended', { startAgain, ...startAgainBanner(startAgain) });
        return;
      }
      ctx.body = render('error', {
        startAgain,
        ...startAgainBanner(startAgain),
        status: ctx.status,
        title: unavailable ? 'Temporarily unavailable' : 'Something went wrong',
        message: unavailable ? DATABASE_UNAVAILABLE_MESSAGE : (out.error_description ?? out.error),
      });
    },
  };
  const provider = new Provider(config.issuer, configuration);
  provider.proxy = config.trustProxy;
  answerUnavailableAs503(provider);
  answerUnknownPathsWithOurPage(provider, render);
  return provider;
}

/**
 * The provider answers any internal failure of its JSON endpoints (token, userinfo,
 * introspection...) with 500 `server_error`. When the cause is an unreachable database, clients
 * should retry rather than report a bug: those answers become 503 `temporarily_unavailable`
 * with `Retry-After`, as our pages already do (`renderError`).
 */
function answerUnavailableAs503(provider: Provider): void {
  provider.on('server_error', (ctx: KoaContextWithOIDC, error: unknown) => {
    if (isDatabaseUnavailable(error)) ctx.state.databaseUnavailable = true;
  });
  provider.use(async (ctx, next) => {
    await next();
    if (!ctx.state.databaseUnavailable || ctx.status !== 500 || ctx.type !== 'application/json') {
      return;
    }
    ctx.status = 503;
    ctx.set('Retry-After', '5');
    ctx.body = {
      error: 'temporarily_unavailable',
      error_description: DATABASE_UNAVAILABLE_MESSAGE,
    };
  });
}

/**
 * How the user behind an access token signed in (`acr`, `amr`, `auth_time`): the provider keeps
 * these on codes and refresh tokens only, so they are copied to the access tokens minted from
 * them, for resource servers (the admin API requires `mfa`) and introspection (RFC 9470 step-up).
 */
function authenticationOf(
  ctx: KoaContextWithOIDC | undefined,
  token: { kind: string; extra?: Record<string, unknown> },
): Record<string, unknown> | undefined {
  // Outside a request (a token minted by our own code) the token keeps what it was given.
  if (!ctx) return token.extra;
  if (token.kind !== 'AccessToken') return undefined;
  const { AuthorizationCode, RefreshToken } = ctx.oidc.entities;
  const source = AuthorizationCode ?? RefreshToken;
  if (!source) return undefined;
  return { acr: source.acr, amr: source.amr, auth_time: source.authTime };
}

/**
 * First-party clients (Produce, Manage, the account console) are trusted: the grant covering what
 * they ask for is created without a consent screen. Third-party clients keep their saved grant
 * and otherwise go through the consent prompt.
 */
async function loadGrant(ctx: KoaContextWithOIDC, grantTtlSeconds: number) {
  const { oidc } = ctx;
  const grantId =
    (oidc.result?.consent as { grantId?: string } | undefined)?.grantId ??
    (oidc.client ? oidc.session?.grantIdFor(oidc.client.clientId) : undefined);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!oidc.client?.['first_party'] || !oidc.session?.accountId) return existing;
  const grant =
    existing ??
    new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
  const before = existing ? JSON.stringify(existing) : null;
  grantRequested(grant, oidc);
  // Saving an unchanged grant on every sign-in costs a write; it is saved when it grew, or when
  // it has less than half its lifetime left, so tokens issued now never outlive it early.
  const ageing = (grant.exp ?? 0) - Date.now() / 1000 < grantTtlSeconds / 2;
  if (ageing || JSON.stringify(grant) !== before) await grant.save();
  return grant;
}
