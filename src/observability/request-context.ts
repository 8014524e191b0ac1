import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';

/** What every log line written while serving one request is tagged with. */
interface RequestContext {
  requestId: string;
}

const requests = new AsyncLocalStorage<RequestContext>();

/** The header a proxy or client may send to correlate its logs with ours; echoed on the response. */
export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * An incoming id is kept only when it is short and made of safe characters: it lands in every log
 * line of the request, so anything else (newlines, control characters, huge values) could forge or
 * bloat log lines (log injection, OWASP ASVS 7.3.1).
 */
const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/**
 * First middleware of the app: takes a valid incoming `X-Request-Id` (a proxy's) or makes one,
 * sets it on the response and runs the rest of the request inside its context, so that every
 * log line written while serving it, by our code or the provider's event handlers, carries it as
 * `reqId` (see `requestLogFields`).
 */
export function requestContext(): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get(REQUEST_ID_HEADER);
    const requestId = ACCEPTABLE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set(REQUEST_ID_HEADER, requestId);
    await requests.run({ requestId }, next);
  };
}

/** pino `mixin`: `{ reqId }` inside a request, nothing outside (start-up, background work). */
export function requestLogFields(): { reqId?: string } {
  const current = requests.getStore();
  return current ? { reqId: current.requestId } : {};
}
