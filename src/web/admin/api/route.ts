import type { Context } from 'koa';
import type { z } from 'zod';
import type { ErrorCode } from '../../../domain/errors.ts';
import type { Actor } from '../../../services/audit.ts';

/** What a handler receives: validated params, query and body, and the authenticated actor. */
export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  actor: Actor;
  ctx: Context;
}

/**
 * One admin API operation, described once: the router registers it (validating with these
 * schemas) and the OpenAPI document is generated from the same description.
 */
export interface ApiRoute<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Koa-style path, e.g. `/admin/api/users/:id`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Success status: 200 unless given (204 answers with no body). */
  status?: 200 | 201 | 204;
  response?: z.ZodType;
  /** Media type of the success response when not JSON (the handler sets the header itself). */
  responseType?: 'text/csv';
  /** Error codes this operation can answer, besides the ones every route shares. */
  errors?: ErrorCode[];
  /** Looks at the raw JSON body before validation (to give a clearer refusal than "unknown key"). */
  inspectBody?: (raw: unknown) => void;
  handle(input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown>;
}

/** Types a route's handler from its schemas, then erases the types for the route table. */
export function route<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
>(spec: ApiRoute<P, Q, B>): ApiRoute {
  return spec as unknown as ApiRoute;
}
