import fc from 'fast-check';

/** A JSON Schema (2020-12, as the admin API's OpenAPI 3.1 document holds them). */
export type JsonSchema = Record<string, unknown>;

/** What generation draws object ids from, so valid-looking bodies reach real objects. */
export interface ArbitraryContext {
  /** `#/components/schemas/<name>` targets. */
  components: Record<string, JsonSchema>;
  /** Ids of existing objects (and a few unknown ones) for `id` and `...Ids` values. */
  ids: fc.Arbitrary<string>;
}

/** Strings at the edges of what validators and stores handle (the issue's own examples first). */
export const EDGE_STRINGS = [
  '',
  ' ',
  'a\u0000b@example.com',
  'ünï€ødé@ëxample.test',
  'x'.repeat(65),
  'x'.repeat(300),
  '../../etc/passwd',
  '%00',
  '$where',
  '{"$gt":""}',
  '😀',
  '\u202e',
  'NaN',
  '-1',
  '1e309',
] as const;

/** Any JSON value, small: what a careless or hostile client may send instead of the schema's. */
export const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 2, depthSize: 'small' });

function asSchema(value: unknown): JsonSchema {
  return value && typeof value === 'object' ? (value as JsonSchema) : {};
}

function resolve(schema: JsonSchema, context: ArbitraryContext): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const name = ref.replace('#/components/schemas/', '');
  return resolve(asSchema(context.components[name]), context);
}

function stringArbitrary(schema: JsonSchema, key: string, context: ArbitraryContext) {
  if (key === 'id' || key === 'targetId') return context.ids;
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = Math.min(typeof schema.maxLength === 'number' ? schema.maxLength : 40, 40);
  const options: Array<fc.Arbitrary<string>> = [
    fc.string({ minLength: min, maxLength: Math.max(min, max) }),
  ];
  if (schema.format === 'email') {
    options.push(fc.emailAddress(), fc.emailAddress());
  }
  if (schema.format === 'uri') {
    options.push(fc.webUrl(), fc.constantFrom('http://127.0.0.1:9/logout', 'https://rp.example/x'));
  }
  return fc.oneof(...options);
}

/**
 * Values that mostly satisfy `schema` (so requests get past validation and reach the services)
 * and sometimes do not (edge strings, other JSON types, unknown or missing keys), to find both
 * 5xx answers and answers that break the documented response schema.
 */
export function arbitraryFor(
  schemaIn: JsonSchema,
  context: ArbitraryContext,
  key = '',
): fc.Arbitrary<unknown> {
  const schema = resolve(schemaIn, context);
  const valid = validArbitrary(schema, context, key);
  return fc.oneof(
    { weight: 8, arbitrary: valid },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(...EDGE_STRINGS) },
    { weight: 1, arbitrary: anyJson },
  );
}

function validArbitrary(schema: JsonSchema, context: ArbitraryContext, key: string) {
  if (Array.isArray(schema.enum)) return fc.constantFrom<unknown>(...(schema.enum as unknown[]));
  if ('const' in schema) return fc.constant<unknown>(schema.const);
  const variants = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(variants)) {
    return fc.oneof(...variants.map((v) => arbitraryFor(asSchema(v), context, key)));
  }
  const type = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type];
  const options = type.map((t) => arbitraryOfType(String(t), schema, context, key));
  return options.length === 1 ? options[0]! : fc.oneof(...options);
}

function arbitraryOfType(
  type: string,
  schema: JsonSchema,
  context: ArbitraryContext,
  key: string,
): fc.Arbitrary<unknown> {
  switch (type) {
    case 'string':
      return stringArbitrary(schema, key, context);
    case 'integer':
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 1000;
      return fc.oneof(
        fc.integer({ min: Math.max(min, -1e6), max: Math.min(max, 1e6) }),
        fc.constantFrom(min - 1, max + 1, 0.5),
      );
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = asSchema(schema.items);
      const item = /Ids$/.test(key) ? context.ids : arbitraryFor(items, context, key);
      return fc.array(item, { maxLength: 3 });
    }
    case 'object':
      return objectArbitrary(schema, context);
    default:
      return anyJson;
  }
}

function objectArbitrary(schema: JsonSchema, context: ArbitraryContext) {
  const properties = asSchema(schema.properties);
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, inner] of Object.entries(properties)) {
    model[name] = arbitraryFor(asSchema(inner), context, name);
  }
  const requiredKeys = Object.keys(model).filter((k) => required.has(k));
  const record = fc.record(model, { requiredKeys });
  return fc.oneof(
    { weight: 6, arbitrary: record },
    // An unknown key: the strict request schemas answer 400, never 500.
    {
      weight: 1,
      arbitrary: record.map((value) => ({ ...(value as object), unexpected: 'x' })),
    },
    // Every key optional: required ones go missing.
    { weight: 1, arbitrary: fc.record(model, { requiredKeys: [] }) },
  );
}
