import type { Context } from 'koa';
import { LogoutTokenError, LogoutTokenVerifier } from './logout-token.ts';
import { messageOf, type ProviderHandle } from './provider.ts';
import type { SessionStore } from './session-store.ts';

/** What one back-channel logout request led to, for the app's log and for tests. */
export type BackchannelLogoutResult =
  | { accepted: true; sub: string | undefined; sid: string | undefined; endedSessions: number }
  | { accepted: false; reason: string };

/** A logout request is one short token; anything much larger is not one. */
const MAX_BODY_BYTES = 16 * 1024;

/** The `application/x-www-form-urlencoded` body of the request, at most MAX_BODY_BYTES. */
async function readForm(ctx: Context): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new LogoutTokenError('the body must be application/x-www-form-urlencoded');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new LogoutTokenError('the body is too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/**
 * `POST /backchannel-logout`, the app's `backchannel_logout_uri` (OpenID Connect Back-Channel
 * Logout 1.0): the provider posts a `logout_token` when the user's session there ends. A valid
 * token (section 2.6, `logout-token.ts`) ends the local sessions it names (section 2.7), so the
 * next page of this app shows the user signed out, and is answered 200 with
 * `Cache-Control: no-store` (section 2.8); any other request is a 400
 * `{"error":"invalid_request"}` and ends nothing. No cookie is read: the token is the
 * credential. `report` hears every outcome (never the token itself).
 */
export function backchannelLogoutHandler(deps: {
  clientId: string;
  provider: ProviderHandle;
  sessions: SessionStore;
  report: (result: BackchannelLogoutResult) => void;
}): (ctx: Context) => Promise<void> {
  let verifier: LogoutTokenVerifier | undefined;

  const verifierFor = async (): Promise<LogoutTokenVerifier> => {
    const metadata = (await deps.provider.get()).serverMetadata();
    if (!metadata.jwks_uri) throw new LogoutTokenError('the provider publishes no jwks_uri');
    verifier ??= new LogoutTokenVerifier({
      issuer: metadata.issuer,
      clientId: deps.clientId,
      jwksUri: metadata.jwks_uri,
    });
    return verifier;
  };

  return async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    let target: Awaited<ReturnType<LogoutTokenVerifier['verify']>>;
    try {
      const tokens = (await readForm(ctx)).getAll('logout_token');
      if (tokens.length !== 1 || !tokens[0]) {
        throw new LogoutTokenError('exactly one logout_token is required');
      }
      target = await (await verifierFor()).verify(tokens[0]);
    } catch (error) {
      const reason = messageOf(error);
      deps.report({ accepted: false, reason });
      ctx.status = 400;
      ctx.body = { error: 'invalid_request', error_description: `logout refused: ${reason}` };
      return;
    }
    const endedSessions = deps.sessions.endMatching(target);
    deps.report({ accepted: true, ...target, endedSessions });
    ctx.status = 200;
    ctx.body = '';
  };
}
