import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from 'pino';
import { describeUserAgent } from '../domain/remembered-browser.ts';
import type {
  SessionActivityRepository,
  SessionSighting,
} from '../store/repos/session-activity.repo.ts';

/**
 * Records where each SSO session is used from, which node-oidc-provider does not keep: at every
 * successful authorization (a sign-in, or single sign-on into another app) the session's browser
 * label and client address are written to `session_activity`, so Profile can list the sessions.
 *
 * The `authorization.success` event says which requests succeeded, with the signed-in session;
 * the write itself happens in a provider middleware after the response is built (events cannot
 * be awaited), so it is done before the browser moves on. The bookkeeping never blocks or fails
 * a sign-in: an error is logged and the sign-in goes ahead.
 */
export function recordSessionActivity(
  provider: Provider,
  activity: SessionActivityRepository,
  log: Logger,
): void {
  const seen = new WeakMap<object, { accountId: string; sighting: SessionSighting }>();
  provider.on('authorization.success', (ctx: KoaContextWithOIDC) => {
    const { session } = ctx.oidc;
    if (!session?.accountId) return;
    seen.set(ctx, {
      accountId: session.accountId,
      sighting: {
        uid: session.uid,
        browser: describeUserAgent(ctx.get('user-agent') || undefined),
        ip: ctx.ip,
        lastActiveAt: new Date(),
      },
    });
  });
  provider.use(async (ctx, next) => {
    await next();
    const sighting = seen.get(ctx);
    if (!sighting) return;
    try {
      await activity.record(sighting.accountId, sighting.sighting);
    } catch (error) {
      log.warn({ err: error }, 'could not record where a session is used from');
    }
  });
}
