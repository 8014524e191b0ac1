import type { Context } from 'koa';
import { AppError } from '../../domain/errors.ts';

/** Largest form or JSON body we accept; sign-in and admin forms are far smaller. */
export const MAX_BODY_BYTES = 32 * 1024;

async function readRaw(ctx: Context): Promise<string> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > MAX_BODY_BYTES)
    throw new AppError('payload_too_large', 'The request body is too large.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES)
      throw new AppError('payload_too_large', 'The request body is too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads an `application/x-www-form-urlencoded` body into a flat record (repeated keys become
 * arrays). Parsed per route, never globally, so the provider's own endpoints read their bodies.
 */
export async function readForm(ctx: Context): Promise<Record<string, string | string[]>> {
  if (!ctx.is('application/x-www-form-urlencoded')) {
    throw new AppError('bad_request', 'Expected a form submission.');
  }
  const params = new URLSearchParams(await readRaw(ctx));
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(params.keys())) {
    const values = params.getAll(key);
    out[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return out;
}

/** Reads a JSON body (admin API); malformed JSON is a 400, never a 500. */
export async function readJson(ctx: Context): Promise<unknown> {
  if (!ctx.is('application/json')) throw new AppError('bad_request', 'Expected application/json.');
  const raw = await readRaw(ctx);
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new AppError('bad_request', 'The request body is not valid JSON.');
  }
}
