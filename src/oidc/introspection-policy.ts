import type { AccessToken, Client, ClientCredentials, RefreshToken } from 'oidc-provider';

/** A token's audience as a list, whatever shape the provider stored it in. */
export function audiencesOf(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

/**
 * Who may learn what a token is (RFC 7662 section 4): the client it was issued to, or the
 * resource server it is for (a client registered under the token's audience as its client_id,
 * as RFC 9068 section 3 audiences name resource servers). Anyone else gets `{ active: false }`,
 * exactly as for an unknown token, so one app cannot read who is signed in to another or how
 * (`sub`, `acr`, `amr`, `auth_time`, scopes) by introspecting its tokens. The provider's default
 * lets every confidential client introspect every token.
 */
export function introspectionAllowed(
  _ctx: unknown,
  caller: Client,
  token: AccessToken | ClientCredentials | RefreshToken,
): boolean {
  if (token.clientId === caller.clientId) return true;
  return 'aud' in token && audiencesOf(token.aud).includes(caller.clientId);
}
