import type { Config } from '../config.ts';
import type { Store } from '../store/index.ts';
import { seededBackchannelLogout } from './seed-backchannel-logout.ts';

/** The provider's own account and admin console: a first-party public client of itself. */
export const CONSOLE_CLIENT_ID = 'account-console';

/**
 * Declarative seed, run on every start: Produce and Manage from `config/` and the environment
 * (their secrets and redirect URIs follow config; back-channel logout: `seededBackchannelLogout`),
 * the console client, and default roles that
 * are created when missing but never changed afterwards (admins own them).
 */
export async function seedDatabase(config: Config, store: Store): Promise<void> {
  for (const client of config.clients) {
    const stored = await store.clients.find(client.clientId);
    await store.clients.upsert({
      client_id: client.clientId,
      client_name: client.clientName,
      client_secret: client.clientSecret,
      redirect_uris: [...client.redirectUris],
      post_logout_redirect_uris: [...client.postLogoutRedirectUris],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      first_party: client.firstParty,
      require_mfa: client.requireMfa,
      ...(client.clientUri ? { client_uri: client.clientUri } : {}),
      ...logoOf(config, client),
      ...seededBackchannelLogout(client, stored),
    });
  }
  await store.clients.upsert({
    client_id: CONSOLE_CLIENT_ID,
    client_name: `${config.totp.issuer} account`,
    client_uri: `${config.issuer}/account`,
    redirect_uris: [`${config.issuer}/account/callback`],
    post_logout_redirect_uris: [`${config.issuer}/account`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    first_party: true,
    require_mfa: false,
  });
  await seedRoles(config, store);
}

/**
 * The client's `logo_uri` (RFC 7591 section 2): `<PREFIX>_LOGO_URI`, else the logo shipped in
 * `public/`. Pages show it only when it is on the provider's own origin (src/oidc/app-branding.ts).
 */
function logoOf(config: Config, client: Config['clients'][number]): { logo_uri?: string } {
  if (client.logoUri) return { logo_uri: client.logoUri };
  return client.defaultLogo ? { logo_uri: `${config.issuer}/static/${client.defaultLogo}` } : {};
}

/**
 * Creates the default roles when missing. The CLI runs only this part: clients follow the
 * server's environment, which an operator's shell may not share.
 */
export async function seedRoles(config: Config, store: Store): Promise<void> {
  for (const role of config.roles) {
    if (!(await store.roles.findByName(role.name))) {
      await store.roles.create(role).catch(() => {});
    }
  }
}
