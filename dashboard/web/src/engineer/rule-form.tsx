// What the two panels of the incident rules screen share: a labelled field with its error, a number
// as typed, and deleting a row of the table.
import { useState, type ReactNode } from 'react';
import { api } from '../api.ts';
import { FieldError } from '../form-errors.tsx';

export { FieldError, useFormErrors } from '../form-errors.tsx';

/** A number field as typed: empty stays null so the server names the field. */
export const numberOf = (text: string) => (text.trim() === '' ? null : Number(text));

/** Deletes a row (after its confirmation), then reloads; a refusal is kept to be shown above the table. */
export function useRowDelete(urlOf: (id: number) => string, onChanged: () => Promise<void>) {
  const [deleting, setDeleting] = useState<number>();
  const [error, setError] = useState<unknown>();
  const remove = async (id: number) => {
    setError(undefined);
    try {
      await api(urlOf(id), { method: 'DELETE' });
      await onChanged();
    } catch (failure) {
      setError(failure);
    } finally {
      setDeleting(undefined);
    }
  };
  return { deleting, setDeleting, error, remove };
}

/** A labelled control with its error under it. */
export function RuleField({ label, error, errorTestId, wide = false, children }: { label: string; error: string | undefined; errorTestId: string; wide?: boolean; children: ReactNode }) {
  return (
    <label className={`form-field${wide ? ' wide' : ''}${error ? ' invalid' : ''}`}>
      <span>{label}</span>
      {children}
      <FieldError message={error} testId={errorTestId} />
    </label>
  );
}
