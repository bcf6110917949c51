// Keyboard shortcuts of the operations page: move through the alert list, acknowledge, assign, open the
// camera, open and close the detail, and a help list. Which key means what is decided here; what each
// does is the page's (and goes through the same code as the buttons).
import { useEffect, useRef } from 'react';
import { useI18n } from '../i18n.tsx';
import type { MessageKey } from '../messages.ts';
import { Icon } from '../ui.tsx';

export type ShortcutAction = 'next' | 'previous' | 'acknowledge' | 'assign' | 'camera' | 'open' | 'close' | 'help';

const ACTION_OF_KEY: Record<string, ShortcutAction> = {
  j: 'next',
  ArrowDown: 'next',
  k: 'previous',
  ArrowUp: 'previous',
  a: 'acknowledge',
  s: 'assign',
  c: 'camera',
  Enter: 'open',
  Escape: 'close',
  '?': 'help',
};

/** The help list, in the order an operator uses them. */
export const SHORTCUT_HELP: { keys: string[]; label: MessageKey }[] = [
  { keys: ['J', '↓'], label: 'shortcuts.next' },
  { keys: ['K', '↑'], label: 'shortcuts.previous' },
  { keys: ['Enter'], label: 'shortcuts.openDetail' },
  { keys: ['A'], label: 'shortcuts.acknowledge' },
  { keys: ['S'], label: 'shortcuts.assign' },
  { keys: ['C'], label: 'shortcuts.camera' },
  { keys: ['Esc'], label: 'shortcuts.close' },
  { keys: ['?'], label: 'shortcuts.help' },
];

interface KeyTarget {
  tagName?: string;
  isContentEditable?: boolean;
  closest?(selector: string): unknown;
}

/** Where a key belongs to what has focus: text fields and lists of choices. */
function isTyping(target: KeyTarget | null): boolean {
  const tag = target?.tagName?.toLowerCase();
  return tag === 'input' || tag === 'textarea' || tag === 'select' || Boolean(target?.isContentEditable);
}

/** The shortcut a key press means, or none: none while typing, with Ctrl, Alt or Meta held, or with
 *  Shift held (except for "?", which is a shifted key on most layouts). Enter on a button or link is
 *  that control's own (it clicks it), and arrows over the map move the map. */
export function shortcutFor(event: { key: string; ctrlKey: boolean; altKey: boolean; metaKey: boolean; shiftKey: boolean; target: EventTarget | null }): ShortcutAction | undefined {
  if (event.ctrlKey || event.altKey || event.metaKey) return undefined;
  const target = event.target as KeyTarget | null;
  if (isTyping(target)) return undefined;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (event.shiftKey && key !== '?') return undefined;
  const action = ACTION_OF_KEY[key];
  if (action === 'open' && target?.closest?.('button, a, [role=button], [role=tab]')) return undefined;
  if ((key === 'ArrowDown' || key === 'ArrowUp') && target?.closest?.('.maplibregl-map')) return undefined;
  return action;
}

/** Calls `onShortcut` for each shortcut pressed anywhere on the page while the calling component is mounted. */
export function useShortcuts(onShortcut: (action: ShortcutAction) => void): void {
  const handler = useRef(onShortcut);
  handler.current = onShortcut;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      // Another dialog over the page (the session expired, a consent) has the keyboard.
      if (document.querySelector('[aria-modal=true]:not([data-testid=shortcut-help])')) return;
      const action = shortcutFor(event);
      if (!action) return;
      event.preventDefault();
      handler.current(action);
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}

export function ShortcutHelp({ onClose }: { onClose(): void }) {
  const { t } = useI18n();
  const dialog = useRef<HTMLDivElement>(null);
  useEffect(() => dialog.current?.focus(), []);
  return (
    <div className="modal-backdrop" onClick={onClose}>
      <div className="modal shortcut-help" role="dialog" aria-modal="true" aria-labelledby="shortcut-help-title" tabIndex={-1} ref={dialog} onClick={(event) => event.stopPropagation()} data-testid="shortcut-help">
        <header className="detail-header">
          <h2 id="shortcut-help-title">
            <Icon name="keyboard" /> {t('shortcuts.title')}
          </h2>
          <button className="icon-button" onClick={onClose} aria-label={t('common.close')}>
            <Icon name="close" />
          </button>
        </header>
        <p className="muted small">{t('shortcuts.intro')}</p>
        <dl className="shortcut-list">
          {SHORTCUT_HELP.map((entry) => (
            <div key={entry.label} className="shortcut-entry">
              <dt>
                {entry.keys.map((key, index) => (
                  <span key={key}>
                    {index > 0 && <span className="muted small"> {t('shortcuts.or')} </span>}
                    <kbd>{key}</kbd>
                  </span>
                ))}
              </dt>
              <dd>{t(entry.label)}</dd>
            </div>
          ))}
        </dl>
      </div>
    </div>
  );
}
