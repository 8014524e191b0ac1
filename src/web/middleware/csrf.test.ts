import { describe, expect, it } from '@jest/globals';
import type { Context } from 'koa';
import { isAppError } from '../../domain/errors.ts';
import { csrfProtection } from './csrf.ts';

/** A browser's cookie jar as the middleware sees it through `ctx.cookies`. */
function browser(): Context {
  const jar = new Map<string, string>();
  return {
    cookies: {
      get: (name: string) => jar.get(name),
      set: (name: string, value: string) => jar.set(name, value),
    },
  } as unknown as Context;
}

function refusal(run: () => void): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return isAppError(error) ? error.code : 'unexpected';
  }
}

describe('csrfProtection with rotated cookie keys', () => {
  const oldKey = 'old-cookie-key-0123456789';
  const newKey = 'new-cookie-key-0123456789';

  it('accepts a token signed before a new key was prepended', () => {
    const ctx = browser();
    const before = csrfProtection({ keys: [oldKey], secure: false });
    const token = before.token(ctx);
    const after = csrfProtection({ keys: [newKey, oldKey], secure: false });
    expect(refusal(() => after.verify(ctx, token))).toBeUndefined();
  });

  it('signs new tokens with the first key only', () => {
    const ctx = browser();
    const rotated = csrfProtection({ keys: [newKey, oldKey], secure: false });
    const token = rotated.token(ctx);
    expect(token).toBe(csrfProtection({ keys: [newKey], secure: false }).token(ctx));
    expect(token).not.toBe(csrfProtection({ keys: [oldKey], secure: false }).token(ctx));
  });

  it('refuses a token once its key was removed, and a token for another browser', () => {
    const ctx = browser();
    const token = csrfProtection({ keys: [oldKey], secure: false }).token(ctx);
    const dropped = csrfProtection({ keys: [newKey], secure: false });
    expect(refusal(() => dropped.verify(ctx, token))).toBe('csrf_failed');

    const other = browser();
    const current = csrfProtection({ keys: [newKey, oldKey], secure: false });
    current.token(other);
    expect(refusal(() => current.verify(other, token))).toBe('csrf_failed');
    expect(refusal(() => current.verify(other, 'short'))).toBe('csrf_failed');
  });

  it('needs at least one key', () => {
    expect(refusal(() => csrfProtection({ keys: [], secure: false }))).toBe('internal');
  });
});
