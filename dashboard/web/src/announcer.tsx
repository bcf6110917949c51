// Spoken feedback for screen readers: one polite live region per page that says what a keyboard
// shortcut or an action did ("Alert acknowledged: …"). Outside a provider, announcing does nothing.
import { createContext, useCallback, useContext, useState, type ReactNode } from 'react';

type Announce = (text: string) => void;
const AnnouncerContext = createContext<Announce>(() => {});

export function AnnouncerProvider({ children }: { children: ReactNode }) {
  const [message, setMessage] = useState({ text: '', count: 0 });
  const announce = useCallback<Announce>((text) => setMessage((previous) => ({ text, count: previous.count + 1 })), []);
  return (
    <AnnouncerContext.Provider value={announce}>
      {children}
      <div className="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="announcer">
        {/* A new node each time, so the same sentence twice in a row is read twice. */}
        <span key={message.count}>{message.text}</span>
      </div>
    </AnnouncerContext.Provider>
  );
}

export function useAnnounce(): Announce {
  return useContext(AnnouncerContext);
}
