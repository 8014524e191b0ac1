import { describe, expect, it } from '@jest/globals';
import { AppError } from '../../../domain/errors.ts';
import { formErrorLocals } from './field-errors.ts';

const ORDER = ['name', 'graceDays'];

describe('formErrorLocals', () => {
  it('shows each field’s message under it, in form order, focusing the first', () => {
    const failure = new AppError('validation_failed', 'Enter a name.', {
      fields: { enforce2faGraceDays: 'Whole days.', name: 'Enter a name.' },
    });
    const locals = formErrorLocals(failure, ORDER, { enforce2faGraceDays: 'graceDays' });
    expect(locals.error).toBeUndefined();
    expect(Object.entries(locals.fieldErrors)).toEqual([
      ['name', 'Enter a name.'],
      ['graceDays', 'Whole days.'],
    ]);
    expect(locals.firstInvalid).toBe('name');
    expect(locals.fieldAttrs('name')).toEqual({
      'aria-invalid': 'true',
      'aria-describedby': 'name-error',
      autofocus: true,
    });
    expect(locals.fieldAttrs('graceDays', 'graceDays-hint')).toEqual({
      'aria-invalid': 'true',
      'aria-describedby': 'graceDays-hint graceDays-error',
      autofocus: false,
    });
  });

  it('ties a known per-field failure (`details.field`) to its field', () => {
    const taken = new AppError('conflict', 'A role named "x" already exists', { field: 'name' });
    const locals = formErrorLocals(taken, ORDER);
    expect(locals.fieldErrors).toEqual({ name: 'A role named "x" already exists' });
    expect(locals.error).toBeUndefined();
  });

  it('keeps a failure about no field of this form as the page’s message', () => {
    const guard = new AppError('conflict', 'You are the last administrator.');
    const elsewhere = new AppError('validation_failed', 'Bad.', { field: 'password' });
    for (const failure of [guard, elsewhere]) {
      const locals = formErrorLocals(failure, ORDER);
      expect(locals.error).toBe(failure.message);
      expect(locals.fieldErrors).toEqual({});
      expect(locals.firstInvalid).toBeNull();
    }
  });

  it('marks nothing without a failure, keeping a hint', () => {
    const locals = formErrorLocals(undefined, ORDER);
    expect(locals.error).toBeUndefined();
    expect(locals.fieldAttrs('name')).toEqual({});
    expect(locals.fieldAttrs('graceDays', 'graceDays-hint')).toEqual({
      'aria-describedby': 'graceDays-hint',
    });
  });
});
