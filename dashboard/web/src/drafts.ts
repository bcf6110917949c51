// Text being typed (an alert note) is kept in localStorage as it is typed, so an expired session,
// a reload or a lost connection never loses it. Cleared once the action that uses it succeeds.
import { useCallback, useState } from 'react';

const PREFIX = 'cityops.draft.';

export function useDraft(key: string): [string, (value: string) => void, () => void] {
  const storageKey = PREFIX + key;
  const [value, setValue] = useState(() => {
    try {
      return localStorage.getItem(storageKey) ?? '';
    } catch {
      return '';
    }
  });
  const update = useCallback(
    (next: string) => {
      setValue(next);
      try {
        if (next) localStorage.setItem(storageKey, next);
        else localStorage.removeItem(storageKey);
      } catch {}
    },
    [storageKey],
  );
  const clear = useCallback(() => update(''), [update]);
  return [value, update, clear];
}
