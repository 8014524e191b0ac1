import type { AppError } from '../../../domain/errors.ts';

/** A message per form field, keyed by the field's id. */
export type FieldErrors = Record<string, string>;

/** The attributes `fieldAttrs` puts on an input (pug's `&attributes`). */
export type FieldAttributes = Record<string, string | boolean>;

/** What the admin views need to show a failure: a summary or message, and each field's error. */
export interface FormErrorLocals {
  /** A failure that belongs to no field (a guard rail, a refusal): shown at the top. */
  error: string | undefined;
  /** The failures tied to fields, in the form's order: shown under each field and summarised. */
  fieldErrors: FieldErrors;
  /** The id of the field where focus lands (the first with an error), or null. */
  firstInvalid: string | null;
  /** An input's `aria-*` and `autofocus` attributes, with its hint's id kept in `aria-describedby`. */
  fieldAttrs: (field: string, hintId?: string) => FieldAttributes;
}

/** Locals of a form shown without errors. */
export const NO_FORM_ERRORS: FormErrorLocals = formErrorLocals(undefined, []);

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}

/** The failure's messages per body field: zod issues (`fields`) or a known one (`field`). */
function messagesOf(failure: AppError): Record<string, string> {
  const details = failure.details;
  if (isStringRecord(details?.fields)) return details.fields;
  if (typeof details?.field === 'string') return { [details.field]: failure.message };
  return {};
}

/**
 * Ties a form failure to the fields it is about, so each message shows under its field, the
 * field says it is invalid and which message describes it, and focus lands on the first one
 * without JavaScript. `order` lists the form's field ids top to bottom; `idOf` renames a body
 * field whose input id differs. A failure about no field on this form stays a page message.
 */
export function formErrorLocals(
  failure: AppError | undefined,
  order: readonly string[],
  idOf: Record<string, string> = {},
): FormErrorLocals {
  const byId = new Map<string, string>();
  for (const [field, message] of Object.entries(failure ? messagesOf(failure) : {})) {
    const id = idOf[field] ?? field;
    if (order.includes(id)) byId.set(id, message);
  }
  const fieldErrors: FieldErrors = Object.fromEntries(
    order.flatMap((id) => {
      const message = byId.get(id);
      return message === undefined ? [] : [[id, message]];
    }),
  );
  const firstInvalid = Object.keys(fieldErrors)[0] ?? null;
  return {
    error: failure && !firstInvalid ? failure.message : undefined,
    fieldErrors,
    firstInvalid,
    fieldAttrs: (field, hintId) => {
      const attributes: FieldAttributes = {};
      if (hintId) attributes['aria-describedby'] = hintId;
      if (!(field in fieldErrors)) return attributes;
      attributes['aria-invalid'] = 'true';
      attributes['aria-describedby'] = [hintId, `${field}-error`].filter(Boolean).join(' ');
      attributes.autofocus = field === firstInvalid;
      return attributes;
    },
  };
}
