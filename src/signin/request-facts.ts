import type { AcrClaimRequest, RequestFacts } from './requirement.ts';

/** The `claims` request parameter's `id_token.acr`, from its JSON text (OIDC Core 5.5). */
function acrClaim(claims: unknown): AcrClaimRequest | undefined {
  let parsed: unknown = claims;
  if (typeof claims === 'string') {
    try {
      parsed = JSON.parse(claims);
    } catch {
      return undefined;
    }
  }
  const acr = (parsed as { id_token?: { acr?: unknown } } | null)?.id_token?.acr;
  if (!acr || typeof acr !== 'object') return undefined;
  const { essential, value, values } = acr as Record<string, unknown>;
  return {
    essential: essential === true,
    ...(typeof value === 'string' ? { value } : {}),
    ...(Array.isArray(values) ? { values: values.filter((v) => typeof v === 'string') } : {}),
  };
}

/**
 * What an authorization request asks of the sign-in, from its parameters (as the provider hands
 * them to interactions and checks) and its client's registration.
 */
export function requestFacts(
  params: Record<string, unknown>,
  client: { require_mfa?: unknown } | undefined,
): RequestFacts {
  return {
    clientRequiresMfa: client?.require_mfa === true,
    acrValues: typeof params.acr_values === 'string' ? params.acr_values : undefined,
    acrClaim: acrClaim(params.claims),
  };
}
