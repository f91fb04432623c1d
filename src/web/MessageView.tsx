/** One message: the collapsible reasoning block ("Thought for N seconds"), then the answer as markdown. */
import { useMemo, useState, type MouseEvent } from 'react';
import type { ChatMessage } from './api.ts';
import { renderMarkdown } from './markdown.ts';

function copyCode(event: MouseEvent<HTMLDivElement>) {
  const button = (event.target as HTMLElement).closest('button.copy');
  const code = button?.closest('.code')?.querySelector('code')?.textContent;
  if (!button || code == null) return;
  void navigator.clipboard?.writeText(code).then(() => {
    button.textContent = 'Copied';
    setTimeout(() => (button.textContent = 'Copy'), 1500);
  });
}

function Reasoning({ message, isLive }: { message: ChatMessage; isLive: boolean }) {
  const [isOpenByUser, setOpenByUser] = useState<boolean | null>(null);
  const isThinking = isLive && message.content === '';
  // Open while the model thinks, folded once the answer starts, unless the reader chose otherwise.
  const isOpen = isOpenByUser ?? isThinking;
  const seconds = Math.max(1, Math.round((message.reasoning_ms ?? 0) / 1000));
  return (
    <div className={`reasoning${isOpen ? ' open' : ''}`} data-testid="reasoning">
      <button type="button" className="reasoning-toggle" aria-expanded={isOpen} onClick={() => setOpenByUser(!isOpen)}>
        {isThinking ? 'Thinking…' : `Thought for ${seconds} second${seconds === 1 ? '' : 's'}`}
      </button>
      {isOpen && <div className="reasoning-text" data-testid="reasoning-text">{message.reasoning}</div>}
    </div>
  );
}

export interface MessageActions {
  onEdit?: (text: string) => void;
  onRegenerate?: () => void;
}

export function MessageView({ message, isLive, actions }: { message: ChatMessage; isLive: boolean; actions: MessageActions }) {
  const html = useMemo(() => (message.role === 'assistant' ? renderMarkdown(message.content) : ''), [message.role, message.content]);
  const [draft, setDraft] = useState<string | null>(null);

  if (message.role === 'user') {
    return (
      <div className="message user" data-testid="user-message">
        {draft === null ? (
          <>
            <div className="bubble">{message.content}</div>
            {actions.onEdit && <button type="button" className="small" onClick={() => setDraft(message.content)}>Edit</button>}
          </>
        ) : (
          <div className="edit">
            <textarea aria-label="Edit message" value={draft} onChange={(e) => setDraft(e.target.value)} />
            <div className="row">
              <button type="button" onClick={() => { actions.onEdit?.(draft); setDraft(null); }} disabled={!draft.trim()}>Send</button>
              <button type="button" className="secondary" onClick={() => setDraft(null)}>Cancel</button>
            </div>
          </div>
        )}
      </div>
    );
  }
  return (
    <div className="message assistant" data-testid="assistant-message">
      {message.reasoning ? <Reasoning message={message} isLive={isLive} /> : null}
      <div className="markdown" data-testid="answer" onClick={copyCode} dangerouslySetInnerHTML={{ __html: html }} />
      {actions.onRegenerate && <button type="button" className="small" onClick={actions.onRegenerate}>Regenerate</button>}
    </div>
  );
}
