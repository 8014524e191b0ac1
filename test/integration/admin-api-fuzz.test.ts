import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { adminApiClient, adminApiToken } from '../support/admin-api.ts';
import { giveTwoFactor } from '../support/admin-pages.ts';
import { createUser } from '../support/fixtures.ts';
import { startTestProvider, type TestProvider } from '../support/harness.ts';
import {
  arbitraryFor,
  EDGE_STRINGS,
  type ArbitraryContext,
  type JsonSchema,
} from '../support/json-schema-arbitrary.ts';
import { Authenticator } from '../support/two-factor.ts';

/**
 * The closest substitute for schemathesis (PyPI is out of reach of this machine and of CI):
 * for every operation of `/admin/api/openapi.json`, bounded random and edge-case path ids,
 * queries and bodies generated from the document itself, sent with a real admin token. Every
 * answer must be below 500, have a status the document lists for the operation, and carry JSON
 * that validates against the documented response schema, so the document cannot drift from
 * what the API does.
 */

/** Requests per operation: bounded so the whole file runs in well under a minute. */
const RUNS_PER_OPERATION = 30;

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required?: boolean;
  schema: JsonSchema;
}

interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}

interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

interface FuzzRequest {
  path: string;
  query: Record<string, string>;
  body: { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; text: string };
}

/** One problem found, with the request that showed it (no token: it is a bearer secret). */
interface Problem {
  operation: string;
  kind: string;
  request: FuzzRequest;
  status: number;
  detail: string;
}

describe('admin API fuzzing against its OpenAPI document', () => {
  let op: TestProvider;
  let token: string;
  let doc: OpenApi;
  const protectedIds = new Set<string>();
  const pools: Record<string, string[]> = { users: [], roles: [], groups: [], clients: [] };

  beforeAll(async () => {
    op = await startTestProvider();
    const adminRole = await op.store.roles.create({ name: 'fuzz-admin', admin: true });
    const admin = await createUser(op, {
      email: 'fuzz-admin@example.com',
      roleIds: [adminRole.id],
    });
    const app = new Authenticator(await giveTwoFactor(op, admin.id), op.config.totp.window);
    app.lastStep = Math.floor(Date.now() / 30_000); // enrolling used the current step
    const script = await adminApiClient(op);
    token = await adminApiToken(script, `${op.config.issuer}/admin/api`, { ...admin, app });
    // The fuzzer never gets the admin's own ids: locking itself out would end the run early.
    protectedIds.add(admin.id).add(adminRole.id);

    const enforcing = await op.store.roles.create({
      name: 'enforcing',
      enforce2fa: true,
      enforce2faGraceDays: 7,
    });
    const plain = await op.store.roles.create({ name: 'plain' });
    const group = await op.store.groups.create({ name: 'team', roleIds: [enforcing.id] });
    const alice = await createUser(op, {
      email: 'alice@example.com',
      roleIds: [enforcing.id],
      groupIds: [group.id],
    });
    const bob = await createUser(op, { email: 'bob@example.com', name: 'Bob' });
    await giveTwoFactor(op, bob.id);
    await op.store.users.markTwoFactorOwed(alice.id, new Date());
    pools.users = [alice.id, bob.id];
    pools.roles = [enforcing.id, plain.id];
    pools.groups = [group.id];
    pools.clients = ['produce', 'manage'];

    const answer = await fetch(`${op.url}/admin/api/openapi.json`);
    expect(answer.status).toBe(200);
    doc = (await answer.json()) as OpenApi;
  }, 60_000);
  afterAll(async () => op?.close());

  /** Path ids: existing objects of the path's kind, unknown ids and edge strings. */
  function idsFor(path: string): fc.Arbitrary<string> {
    const kind = /^\/admin\/api\/(\w+)/.exec(path)?.[1] ?? '';
    const known = (pools[kind] ?? []).filter((id) => !protectedIds.has(id));
    return fc.oneof(
      { weight: 4, arbitrary: known.length ? fc.constantFrom(...known) : fc.constant('none') },
      { weight: 1, arbitrary: fc.constant(randomBytes(12).toString('hex')) },
      { weight: 1, arbitrary: fc.constantFrom(...EDGE_STRINGS.filter((s) => s !== '')) },
    );
  }

  /** Ids inside bodies (`roleIds`, `groupIds`): existing roles and groups, or unknown ones. */
  function bodyIds(): fc.Arbitrary<string> {
    const known = [...pools.roles!, ...pools.groups!].filter((id) => !protectedIds.has(id));
    return fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...known) },
      { weight: 1, arbitrary: fc.constantFrom('0'.repeat(24), 'x'.repeat(65), '') },
    );
  }

  function requestArbitrary(path: string, operation: Operation): fc.Arbitrary<FuzzRequest> {
    const context: ArbitraryContext = { components: doc.components.schemas, ids: bodyIds() };
    const params = operation.parameters ?? [];
    const pathParams = params.filter((p) => p.in === 'path');
    const pathArbitrary = fc
      .tuple(...pathParams.map(() => idsFor(path)))
      .map((values) =>
        pathParams.reduce(
          (url, param, i) => url.replace(`{${param.name}}`, encodeURIComponent(values[i] ?? '')),
          path,
        ),
      );
    const queryModel: Record<string, fc.Arbitrary<unknown>> = {};
    for (const param of params.filter((p) => p.in === 'query')) {
      queryModel[param.name] = arbitraryFor(param.schema, context, param.name);
    }
    const queryArbitrary = fc
      .tuple(fc.record(queryModel, { requiredKeys: [] }), fc.integer({ min: 0, max: 4 }))
      .map(([values, dice]) => {
        const query: Record<string, string> = {};
        for (const [name, value] of Object.entries(values)) {
          query[name] = typeof value === 'string' ? value : JSON.stringify(value);
        }
        if (dice === 0) query.unexpected = '1';
        return query;
      });
    const bodySchema = operation.requestBody?.content['application/json']?.schema;
    const bodyArbitrary: fc.Arbitrary<FuzzRequest['body']> = bodySchema
      ? fc.oneof(
          {
            weight: 9,
            arbitrary: arbitraryFor(bodySchema, context).map((value) => ({
              kind: 'json' as const,
              value,
            })),
          },
          {
            weight: 1,
            arbitrary: fc
              .constantFrom('{', 'not json', '', '[]', '{"a":'.repeat(50), 'null')
              .map((text) => ({ kind: 'raw' as const, text })),
          },
        )
      : fc.constant({ kind: 'none' as const });
    return fc.record({ path: pathArbitrary, query: queryArbitrary, body: bodyArbitrary });
  }

  async function send(method: string, request: FuzzRequest): Promise<Response> {
    const url = new URL(`${op.url}${request.path}`);
    for (const [name, value] of Object.entries(request.query)) url.searchParams.set(name, value);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    let body: string | undefined;
    if (request.body.kind !== 'none') {
      headers['content-type'] = 'application/json';
      body = request.body.kind === 'json' ? JSON.stringify(request.body.value) : request.body.text;
    }
    return fetch(url, {
      method: method.toUpperCase(),
      headers,
      ...(body !== undefined ? { body } : {}),
    });
  }

  it('answers every generated request below 500, as documented', async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: false });
    addFormats.default(ajv);
    const validators = new Map<string, ValidateFunction>();
    const validatorFor = (key: string, schema: JsonSchema) => {
      let validate = validators.get(key);
      if (!validate) {
        validate = ajv.compile({ components: doc.components, ...schema });
        validators.set(key, validate);
      }
      return validate;
    };

    const problems: Problem[] = [];
    const seen = new Set<string>();
    const report = (problem: Problem) => {
      const key = `${problem.operation} ${problem.kind} ${problem.detail}`;
      if (seen.has(key)) return;
      seen.add(key);
      problems.push(problem);
    };
    let requests = 0;
    let successes = 0;

    for (const [path, methods] of Object.entries(doc.paths)) {
      if (path === '/admin/api/openapi.json') continue;
      for (const [method, operation] of Object.entries(methods)) {
        const name = `${method.toUpperCase()} ${path}`;
        await fc.assert(
          fc.asyncProperty(requestArbitrary(path, operation), async (request) => {
            requests++;
            const response = await send(method, request);
            const text = await response.text();
            const status = response.status;
            const base = { operation: name, request, status };
            if (status >= 500) {
              report({ ...base, kind: 'server error', detail: text.slice(0, 300) });
              return;
            }
            if (status < 300) successes++;
            const documented = operation.responses[String(status)];
            if (!documented) {
              report({ ...base, kind: 'undocumented status', detail: String(status) });
              return;
            }
            const type = (response.headers.get('content-type') ?? '').split(';')[0] ?? '';
            const content = documented.content;
            if (!content) {
              if (text !== '') report({ ...base, kind: 'body on a no-content answer', detail: '' });
              return;
            }
            const media = content[type];
            if (!media) {
              report({ ...base, kind: 'undocumented content type', detail: type });
              return;
            }
            if (type !== 'application/json') return;
            const validate = validatorFor(`${name} ${status}`, media.schema);
            if (!validate(JSON.parse(text))) {
              report({
                ...base,
                kind: 'response schema violation',
                detail: ajv.errorsText(validate.errors),
              });
            }
          }),
          { numRuns: RUNS_PER_OPERATION, endOnFailure: true },
        );
      }
    }
    const summary = problems.map(
      (p) => `${p.operation}: ${p.kind} (${p.status}) ${p.detail}\n  ${JSON.stringify(p.request)}`,
    );
    expect(summary).toEqual([]);
    // The run reached the services, not only the validators.
    expect(requests).toBeGreaterThan(Object.keys(doc.paths).length * RUNS_PER_OPERATION * 0.9);
    expect(successes).toBeGreaterThan(requests / 10);
  }, 120_000);
});
