/** The app's keyboard shortcuts: one table, which both the key handler and the help dialog read. */
import { useEffect, useRef } from 'react';

export type ShortcutAction = 'newChat' | 'focusInput' | 'stop' | 'toggleSidebar' | 'help';

interface Shortcut {
  action: ShortcutAction;
  keys: string[];
  label: string;
  matches: (event: KeyboardEvent, isTyping: boolean) => boolean;
}

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
export const MOD = isMac ? '⌘' : 'Ctrl';
const mod = (event: KeyboardEvent) => (isMac ? event.metaKey : event.ctrlKey);

export const SHORTCUTS: Shortcut[] = [
  { action: 'newChat', keys: [`${MOD}+Shift+O`], label: 'New chat', matches: (e) => mod(e) && e.shiftKey && e.key.toLowerCase() === 'o' },
  { action: 'focusInput', keys: ['Shift+Esc', '/'], label: 'Focus the message box', matches: (e, isTyping) => (e.key === 'Escape' && e.shiftKey) || (e.key === '/' && !isTyping && !mod(e) && !e.altKey) },
  { action: 'stop', keys: ['Esc'], label: 'Stop the answer', matches: (e) => e.key === 'Escape' && !e.shiftKey },
  { action: 'toggleSidebar', keys: [`${MOD}+Shift+S`], label: 'Show or hide the conversations', matches: (e) => mod(e) && e.shiftKey && e.key.toLowerCase() === 's' },
  { action: 'help', keys: [`${MOD}+/`], label: 'Keyboard shortcuts', matches: (e) => mod(e) && e.key === '/' },
];

function isTypingIn(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

/** Runs the handler of the first shortcut the key press matches; an action without a handler (Esc with nothing to stop) lets the key through. */
export function useShortcuts(handlers: Partial<Record<ShortcutAction, (() => boolean) | undefined>>): void {
  const current = useRef(handlers);
  current.current = handlers;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.isComposing) return;
      const shortcut = SHORTCUTS.find((s) => s.matches(event, isTypingIn(event.target)));
      const handler = shortcut && current.current[shortcut.action];
      if (handler?.()) event.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
