import type { z } from 'zod';
import { AppError } from '../../../domain/errors.ts';
import type { Form } from './common.ts';

/**
 * One schema per input: an admin page turns its form into the admin API's JSON body shape
 * (checkbox → boolean, repeated field → array, empty password → absent) and validates it with
 * the API's own zod schema (src/web/admin/api/schemas.ts). What the API refuses, the page
 * refuses too, so the HTML form cannot store what the API would not (the issue found users
 * `a\u0000b@…` and `ünï€ødé@ëxample.test` created through the form only).
 */

function firstValue(form: Form, name: string): string {
  const raw = form[name];
  return Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? '');
}

/** A text field, trimmed as browsers and people expect of a form; '' when absent. */
export function formText(form: Form, name: string): string {
  return firstValue(form, name).trim();
}

/** A password field as typed (spaces belong to a passphrase), or undefined when left empty. */
export function formPassword(form: Form, name: string): string | undefined {
  const value = firstValue(form, name);
  return value === '' ? undefined : value;
}

/** The values of a repeated field (checkbox list or multi-select), empty ones and repeats out. */
export function formList(form: Form, name: string): string[] {
  const raw = form[name];
  const values = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return [...new Set(values.filter((v) => v !== ''))];
}

/**
 * A whole-number text field as a number for the schema ('' → `empty`); anything that is not
 * written as a number stays a string, which the schema refuses as not a number.
 */
export function formNumber(form: Form, name: string, empty: number): number | string {
  const text = formText(form, name);
  if (text === '') return empty;
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

/** Page wording per body field; a field without one gets "<field>: <zod message>". */
export type FieldMessages = Record<string, string>;

/**
 * Validates a form-made body with the API schema. A refusal is the API's 400
 * (`validation_failed`), with a message naming the first field to fix in the page's words, and
 * in `details.fields` one message per refused body field, for the page to show beside each.
 */
export function parseFormBody<S extends z.ZodType>(
  schema: S,
  body: object,
  messages: FieldMessages,
): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const fields: FieldMessages = {};
  for (const issue of parsed.error.issues) {
    const field = String(issue.path[0] ?? '');
    fields[field] ??= messages[field] ?? `${field || 'form'}: ${issue.message}`;
  }
  const first = String(parsed.error.issues[0]?.path[0] ?? '');
  throw new AppError('validation_failed', fields[first] ?? 'The form is not valid.', {
    issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    fields,
  });
}
