import type Provider from 'oidc-provider';
import type { RenderView } from './provider.ts';

/**
 * Requests that neither our routes nor the provider's answered end at the provider, whose 404 is a
 * bare "Not Found" text (no title, no language, no way back). They get our page instead, or
 * `{ error: 'not_found' }` for clients that prefer JSON. Only a 404 without a body is replaced:
 * every answer of a provider endpoint, errors included, has one.
 */
export function answerUnknownPathsWithOurPage(provider: Provider, render: RenderView): void {
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.status !== 404 || ctx.body != null) return;
    // Explicit, so that setting the body below does not turn the status into 200.
    ctx.status = 404;
    if (ctx.accepts('html', 'json') === 'json') {
      ctx.body = { error: 'not_found', message: 'There is nothing at this address.' };
      return;
    }
    ctx.type = 'html';
    ctx.body = render('not-found', {});
  });
}
