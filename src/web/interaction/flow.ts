import type { Context } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import { authenticationContext, type SecondFactor } from '../../domain/auth-context.ts';
import { AppError } from '../../domain/errors.ts';
import { requestFacts } from '../../signin/request-facts.ts';
import type { Requirement } from '../../signin/requirement.ts';
import { afterPassword } from '../../signin/transitions.ts';
import type { User } from '../../store/repos/users.repo.ts';
import type { WebDeps } from '../context.ts';
import { rememberSignInClient, SignInEnded } from './ended.ts';

/**
 * The provider's view of the interaction this browser is in (its cookie is checked). An expired,
 * finished or foreign one throws {@link SignInEnded} (answered by `signInEndedPage`).
 */
export async function loadInteraction(ctx: Context, deps: WebDeps) {
  try {
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    rememberSignInClient(ctx, deps, details);
    return details;
  } catch (error) {
    if ((error as { name?: string }).name === 'SessionNotFound') throw new SignInEnded();
    throw error;
  }
}

export type InteractionDetails = Awaited<ReturnType<typeof loadInteraction>>;

/** Hands a result back to the provider and follows its redirect (303 so POSTs become GETs). */
export async function completeInteraction(
  ctx: Context,
  deps: WebDeps,
  result: InteractionResults,
): Promise<void> {
  const url = await deps.provider.interactionResult(ctx.req, ctx.res, result, {
    mergeWithLastSubmission: false,
  });
  ctx.status = 303;
  ctx.redirect(url);
}

/**
 * Finishes the login prompt. Called only once every factor the user owes has passed, so the
 * provider never holds a password-only result for a user who owes a second factor.
 */
export async function finishLogin(
  ctx: Context,
  deps: WebDeps,
  details: InteractionDetails,
  user: User,
  second: SecondFactor | null,
): Promise<void> {
  const { amr, acr } = authenticationContext(second);
  await deps.services.signin.succeeded(details.uid, user, ctx.ip, clientIdOf(details), amr);
  await completeInteraction(ctx, deps, { login: { accountId: user.id, amr, acr, remember: true } });
}

/** The client an interaction is for, as the audit trail records it. */
export function clientIdOf(details: InteractionDetails): string | undefined {
  const clientId = details.params.client_id;
  return typeof clientId === 'string' ? clientId : undefined;
}

/** What this authorization request requires of `user` (src/signin/requirement.ts). */
export async function requirementOf(
  deps: WebDeps,
  details: InteractionDetails,
  user: User,
): Promise<Requirement> {
  const clientId = String(details.params.client_id ?? '');
  const client = clientId ? await deps.provider.Client.find(clientId) : undefined;
  const request = requestFacts(details.params, client as { require_mfa?: unknown } | undefined);
  return deps.services.signin.requirement(user, request);
}

/**
 * The user whose password (or existing session) was accepted in this interaction and who still
 * owes a second factor. Anything else (no challenge, another browser, expired) is refused.
 */
export async function challengedUser(
  ctx: Context,
  deps: WebDeps,
): Promise<{ details: InteractionDetails; user: User }> {
  const details = await loadInteraction(ctx, deps);
  const user = await deps.services.signin.challengedUser(details.uid);
  if (!user) {
    throw new AppError('bad_request', 'Sign in with your email and password first.');
  }
  return { details, user };
}

/** Saves the challenge for the rest of the interaction's life. */
export async function saveChallenge(
  deps: WebDeps,
  details: InteractionDetails,
  user: User,
): Promise<void> {
  const expiresAt = new Date((details.exp ?? Math.floor(Date.now() / 1000) + 600) * 1000);
  await deps.services.signin.saveChallenge(details.uid, user, expiresAt);
}

/** The page of each step that follows the password. */
const SECOND_STEP_PAGES = { code: 'otp', enroll: 'enroll', remind: 'reminder' } as const;

/**
 * Routes the user after the first factor (src/signin/transitions.ts): straight through, to the
 * code page (a remembered browser stands in for the code), to mandatory enrollment, to the
 * grace period's reminder, or back to the relying party with `unmet_authentication_requirements`.
 */
export async function continueAfterPassword(
  ctx: Context,
  deps: WebDeps,
  details: InteractionDetails,
  user: User,
): Promise<void> {
  const requirement = await requirementOf(deps, details, user);
  const token = ctx.cookies.get(deps.services.rememberedBrowsers.cookieName);
  const rememberedBrowser =
    requirement.kind === 'second-factor' && token
      ? await deps.services.rememberedBrowsers.recognises(user, token)
      : false;
  const next = afterPassword(requirement, { rememberedBrowser });
  switch (next.step) {
    case 'done':
      return finishLogin(ctx, deps, details, user, next.second);
    case 'unmet':
      return completeInteraction(ctx, deps, {
        error: 'unmet_authentication_requirements',
        error_description: 'the requested authentication context cannot be met for this account',
      });
    case 'code':
    case 'enroll':
    case 'remind':
      await saveChallenge(deps, details, user);
      ctx.status = 303;
      ctx.redirect(`/interaction/${details.uid}/${SECOND_STEP_PAGES[next.step]}`);
  }
}
