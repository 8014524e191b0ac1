import { z } from 'zod';
import { ERROR_STATUS, type ErrorCode } from '../../../domain/errors.ts';
import type { ApiRoute } from './route.ts';
import { errorView } from './schemas.ts';

type Json = Record<string, unknown>;

/** Error codes any authenticated route can answer. */
const COMMON_ERRORS: ErrorCode[] = ['validation_failed', 'unauthorized', 'forbidden'];

/** `/admin/api/users/:id` → `/admin/api/users/{id}`. */
export function openApiPath(koaPath: string): string {
  return koaPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * Converts one zod schema to JSON Schema 2020-12 (the dialect of OpenAPI 3.1), moving named
 * sub-schemas (`.meta({ id })`) into `components.schemas` and pointing references there.
 */
function toSchema(schema: z.ZodType, io: 'input' | 'output', components: Json): Json {
  const out = z.toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
    target: 'draft-2020-12',
  }) as Json;
  delete out.$schema;
  const defs = (out.$defs ?? {}) as Record<string, Json>;
  delete out.$defs;
  const rewrite = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(rewrite);
    if (value && typeof value === 'object') {
      const copy: Json = {};
      for (const [key, inner] of Object.entries(value)) {
        copy[key] =
          key === '$ref' && typeof inner === 'string'
            ? inner.replace('#/$defs/', '#/components/schemas/')
            : rewrite(inner);
      }
      return copy;
    }
    return value;
  };
  for (const [name, def] of Object.entries(defs)) components[name] = rewrite(def);
  const id = (out as { id?: unknown }).id;
  if (typeof id === 'string') {
    delete out.id;
    components[id] = rewrite(out);
    return { $ref: `#/components/schemas/${id}` };
  }
  return rewrite(out) as Json;
}

function parametersOf(route: ApiRoute, components: Json): Json[] {
  const list: Json[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (!schema) continue;
    const json = toSchema(schema, 'input', components);
    const required = new Set((json.required as string[] | undefined) ?? []);
    for (const [name, prop] of Object.entries((json.properties ?? {}) as Record<string, Json>)) {
      const { description, ...rest } = prop;
      list.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(typeof description === 'string' ? { description } : {}),
        schema: rest,
      });
    }
  }
  return list;
}

const errorResponse = (code: ErrorCode): Json => ({
  description: code,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/**
 * The OpenAPI 3.1 description of the admin API, generated from the route table and its zod
 * schemas (the same ones that validate requests), with the bearer-token security scheme.
 */
export function buildOpenApi(routes: ApiRoute[], options: { issuer: string; resource: string }) {
  const components: Json = {};
  toSchema(errorView, 'output', components);
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const status = route.status ?? 200;
    const responses: Record<string, Json> = {
      [String(status)]:
        status === 204 || !route.response
          ? { description: status === 204 ? 'Done, no content.' : 'OK' }
          : {
              description: 'OK',
              content: {
                [route.responseType ?? 'application/json']: {
                  schema: toSchema(route.response, 'output', components),
                },
              },
            },
    };
    for (const code of [...COMMON_ERRORS, ...(route.errors ?? [])]) {
      const key = String(ERROR_STATUS[code]);
      const existing = responses[key];
      responses[key] = existing
        ? { ...existing, description: `${String(existing.description)}, ${code}` }
        : errorResponse(code);
    }
    const operation: Json = {
      operationId: `${route.method}${openApiPath(route.path)
        .replace(/^\/admin\/api/, '')
        .replace(/[{}]/g, '')
        .split(/[/.-]/)
        .filter(Boolean)
        .map((s) => s[0]!.toUpperCase() + s.slice(1))
        .join('')}`,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      parameters: parametersOf(route, components),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: {
                'application/json': { schema: toSchema(route.body, 'input', components) },
              },
            },
          }
        : {}),
      responses,
    };
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation;
  }
  paths['/admin/api/openapi.json'] = {
    get: {
      operationId: 'getOpenApi',
      tags: ['meta'],
      summary: 'This document (no authentication).',
      security: [],
      responses: { '200': { description: 'The OpenAPI 3.1 document.' } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Admin API',
      version: '1.0.0',
      description:
        'Administration of users, roles, groups, the audit trail and the back-channel logout of clients, and the 2FA compliance report. Authenticate with an access token issued by this provider for the resource `' +
        options.resource +
        '` with the `admin` scope, to a user holding an admin role, or a client credentials token of a service client with `admin:read` (GET operations) or `admin:write` (all operations). Errors are `{ error, message, details? }` with stable codes.',
    },
    servers: [{ url: options.issuer }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'users' },
      { name: 'roles' },
      { name: 'groups' },
      { name: 'audit' },
      { name: 'compliance' },
      { name: 'clients' },
      { name: 'meta' },
    ],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: `Opaque access token for the audience ${options.resource}: scope admin (a person), or admin:read / admin:write (a service client).`,
        },
      },
    },
  };
}
