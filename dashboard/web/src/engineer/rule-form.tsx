// What the two forms of the incident rules screen share: the server's refusal shown beside the field it
// names (`ladder.0` → the ladder), or under the form when it names none the form shows.
import { useState, type ReactNode } from 'react';
import { ApiError } from '../api.ts';

export type FormErrors<F extends string> = Partial<Record<F | 'form', string>>;

export function useFormErrors<F extends string>(fields: readonly F[]) {
  const [errors, setErrors] = useState<FormErrors<F>>({});
  const fieldOf = (name: string | undefined): F | 'form' => fields.find((field) => field === name?.split('.')[0]) ?? 'form';
  const fail = (failure: unknown) => setErrors({ [failure instanceof ApiError ? fieldOf(failure.field) : 'form']: (failure as Error).message } as FormErrors<F>);
  return { errors, clear: () => setErrors({}), fail };
}

export function FieldError({ message, testId }: { message: string | undefined; testId: string }) {
  if (!message) return null;
  return (
    <span className="field-error" role="alert" data-testid={testId}>
      {message}
    </span>
  );
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
