// A form's errors from the API: the server's refusal shown beside the field it names (`ladder.0` → the
// ladder, `districtIds.2` → the districts), or under the form when it names none the form shows; in the
// reader's language (server-messages.ts).
import { useState } from 'react';
import { ApiError } from './api.ts';
import { useI18n } from './i18n.tsx';
import { errorMessage } from './server-messages.ts';

export type FormErrors<F extends string> = Partial<Record<F | 'form', string>>;

export function useFormErrors<F extends string>(fields: readonly F[]) {
  const { language } = useI18n();
  const [errors, setErrors] = useState<FormErrors<F>>({});
  const fieldOf = (name: string | undefined): F | 'form' => fields.find((field) => field === name?.split('.')[0]) ?? 'form';
  const fail = (failure: unknown) => setErrors({ [failure instanceof ApiError ? fieldOf(failure.field) : 'form']: errorMessage(failure, language) } as FormErrors<F>);
  /** An error the form found itself, before asking the server. */
  const set = (field: F | 'form', message: string) => setErrors({ [field]: message } as FormErrors<F>);
  return { errors, clear: () => setErrors({}), fail, set };
}

export function FieldError({ message, testId }: { message: string | undefined; testId: string }) {
  if (!message) return null;
  return (
    <span className="field-error" role="alert" data-testid={testId}>
      {message}
    </span>
  );
}
