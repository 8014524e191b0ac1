import type { Context, Middleware } from 'koa';
import { secureCookieName } from '../../domain/cookie-names.ts';
import { AppError } from '../../domain/errors.ts';
import {
  clientOrigins,
  startAgainAt,
  startAgainBanner,
  type StartAgain,
} from '../../oidc/start-again.ts';
import type { WebDeps } from '../context.ts';

/**
 * Which application asked for a sign-in, kept beside its pages (`Path=/interaction/<uid>`). The
 * provider's own interaction cookie lives only as long as the interaction and the interaction is
 * deleted once it finished, so without this an ended sign-in could not say where to start again.
 */
const clientCookie = (deps: Pick<WebDeps, 'config'>) =>
  secureCookieName('signin_client', deps.config.secureCookies);
/** Long enough for a tab left open overnight; the value is only a public client id. */
const REMEMBER_MS = 24 * 60 * 60 * 1000;
const INTERACTION_PATH = /^\/interaction\/([\w-]{1,64})(?:\/|$)/;

/** An interaction page opened or posted after its sign-in expired, finished or lost its cookie. */
export class SignInEnded extends AppError {
  constructor() {
    super('bad_request', 'This sign-in has ended. Go back to the application and sign in again.');
  }
}

/**
 * Remembers the client of the interaction on this browser, for its pages only, so that the page
 * shown once the sign-in ended can offer "Start again" at that application.
 */
export function rememberSignInClient(
  ctx: Context,
  deps: Pick<WebDeps, 'config'>,
  details: { uid: string; params: Record<string, unknown> },
): void {
  const clientId = details.params.client_id;
  if (typeof clientId !== 'string') return;
  if (rememberedClient(ctx, deps) === clientId) return;
  // Encoded: a client id may hold characters a cookie value cannot.
  ctx.cookies.set(clientCookie(deps), encodeURIComponent(clientId), {
    path: `/interaction/${details.uid}`,
    maxAge: REMEMBER_MS,
    httpOnly: true,
    sameSite: 'lax',
    secure: deps.config.secureCookies,
    signed: true,
    overwrite: true,
  });
}

/** The client id this browser remembered for the interaction of this page, if any. */
function rememberedClient(ctx: Context, deps: Pick<WebDeps, 'config'>): string | undefined {
  const value = ctx.cookies.get(clientCookie(deps), { signed: true });
  try {
    return value ? decodeURIComponent(value) : undefined;
  } catch {
    return undefined;
  }
}

/** The client id of a still-stored interaction, looked up by the uid in the path. */
async function storedInteractionClient(ctx: Context, deps: WebDeps): Promise<string | undefined> {
  const uid = INTERACTION_PATH.exec(ctx.path)?.[1];
  const interaction = uid ? await deps.provider.Interaction.find(uid) : undefined;
  const clientId = interaction?.params.client_id;
  return typeof clientId === 'string' ? clientId : undefined;
}

/** The registered client whose home page or redirect URIs share the Referer's origin. */
async function refererClient(ctx: Context, deps: WebDeps): Promise<StartAgain | undefined> {
  const referer = ctx.get('referer');
  if (!URL.canParse(referer)) return undefined;
  const origin = new URL(referer).origin;
  const client = (await deps.services.operator.clients()).find((c) => clientOrigins(c).has(origin));
  return client ? startAgainAt(client) : undefined;
}

/**
 * The application to start again at, most certain first: the client this browser remembered for
 * the interaction, the client of the interaction if it is still stored (opened without its
 * cookie), then a registered application the browser came from (Referer). Undefined otherwise,
 * and when a lookup fails: the page still renders, with the generic advice.
 */
async function startAgainFor(ctx: Context, deps: WebDeps): Promise<StartAgain | undefined> {
  try {
    const clientId = rememberedClient(ctx, deps) ?? (await storedInteractionClient(ctx, deps));
    const client = clientId ? await deps.provider.Client.find(clientId) : undefined;
    if (client) return startAgainAt(client.metadata());
    return await refererClient(ctx, deps);
  } catch {
    return undefined;
  }
}

/**
 * Answers {@link SignInEnded} with the "This sign-in has ended" page and a "Start again" link to
 * the application that asked, instead of a bare error. Status 400, as the provider answers an
 * ended sign-in at `/auth/<uid>`: a made-up uid cannot be told from an expired one, so 410 Gone
 * would claim more than we know. JSON clients get the usual error body from the error handler.
 */
export function signInEndedPage(deps: WebDeps): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (!(error instanceof SignInEnded) || ctx.accepts('html', 'json') === 'json') throw error;
      deps.log.info({ status: 400, errorCode: 'sign_in_ended' }, 'request rejected');
      const startAgain = await startAgainFor(ctx, deps);
      ctx.status = 400;
      ctx.set('Cache-Control', 'no-store');
      ctx.type = 'html';
      ctx.body = deps.render('sign-in-ended', { startAgain, ...startAgainBanner(startAgain) });
    }
  };
}
