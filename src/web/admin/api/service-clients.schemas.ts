import { z } from 'zod';
import { isServiceClientScope, scopeList } from '../../../domain/admin-scopes.ts';

/** A client_id as the CLI accepts it: 2-64 letters, digits, `_` or `-`. */
const clientId = z
  .string()
  .regex(/^[A-Za-z0-9_-]{2,64}$/, 'client_id: 2-64 letters, digits, _ or - (no dots)');

/**
 * POST body: a service client in RFC 7591 terms. Only `client_credentials` can be registered
 * here, with `admin:read` and/or `admin:write` as its scope.
 */
export const serviceClientBody = z
  .object({
    client_id: clientId.meta({ description: 'The new client_id, e.g. `manage-backend`.' }),
    client_name: z.string().trim().min(1).max(100).optional(),
    grant_types: z.tuple([z.literal('client_credentials')]).meta({
      description: 'Service clients use the client credentials grant only (RFC 6749 §4.4).',
    }),
    scope: z
      .string()
      .refine((s) => scopeList(s).length > 0 && scopeList(s).every(isServiceClientScope), {
        message: 'scope: "admin:read", "admin:write" or both, space-separated',
      })
      .meta({
        description:
          'Admin API scopes granted: `admin:read` (GET routes) and/or `admin:write` (all routes).',
      }),
  })
  .strict();

/** The created client with its secret, shown once (RFC 7591 section 3.2.1). */
export const serviceClientCreated = z
  .object({
    client_id: z.string(),
    client_name: z.string(),
    grant_types: z.array(z.string()),
    scope: z.string(),
    client_secret: z.string().meta({ description: 'Shown only in this answer; store it safely.' }),
  })
  .meta({ id: 'ServiceClientCreated' });
