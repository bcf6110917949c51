// Figures over "the last N days" from a figures route (incidents', residents' reports'): asked for with
// from and to fixed at the moment of asking, so the CSV link built from the same query gives the same
// rows; asked again when the period, the grouping or `generation` (bumped by live changes) changes. A
// refresh keeps the figures on screen until the new ones arrive; a new period or grouping does not.
import { useEffect, useRef, useState } from 'react';
import { apiOptional } from '../api.ts';

export interface PeriodFigures<T> {
  /** undefined while loading, null when the route is absent (the feature is not running). */
  figures: T | null | undefined;
  /** The query the figures on screen were asked with (for the CSV link). */
  search?: string;
  error?: unknown;
}

export function usePeriodFigures<T>(path: string, days: number, by: string, generation: number): PeriodFigures<T> {
  const [state, setState] = useState<PeriodFigures<T>>({ figures: undefined });
  const shownFor = useRef<string>(undefined);
  useEffect(() => {
    let cancelled = false;
    const to = new Date();
    const from = new Date(to.getTime() - days * 86_400_000);
    const query = new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), by }).toString();
    const fresh = shownFor.current !== `${days}/${by}`;
    shownFor.current = `${days}/${by}`;
    setState((previous) => ({ ...previous, figures: fresh ? undefined : previous.figures, error: undefined }));
    void apiOptional<T>(`${path}?${query}`)
      .then((answer) => !cancelled && setState({ figures: answer ?? null, search: query }))
      .catch((failure) => !cancelled && setState((previous) => ({ ...previous, error: failure })));
    return () => {
      cancelled = true;
    };
  }, [path, days, by, generation]);
  return state;
}
