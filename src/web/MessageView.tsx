/**
 * One message. A user's: its text, its attached files, and Edit. An answer: the collapsible reasoning
 * ("Thought for N seconds"), the answer as markdown with copyable code, a note when it was stopped, and
 * Copy, Regenerate and its token usage and speed (on hover).
 */
import { useMemo, useState, type MouseEvent } from 'react';
import { ChevronRight, CircleStop, FileText, Gauge, Pencil, RefreshCw, X } from 'lucide-react';
import type { Attachment, ChatMessage } from './api.ts';
import { CopyButton, IconButton } from './IconButton.tsx';
import { COPIED_LABEL, COPY_LABEL, renderMarkdown } from './markdown.ts';

function copyCode(event: MouseEvent<HTMLDivElement>) {
  const button = (event.target as HTMLElement).closest('button.copy');
  const code = button?.closest('.code')?.querySelector('code')?.textContent;
  if (!button || code == null) return;
  const label = (text: string, name: string) => {
    button.textContent = text;
    button.setAttribute('aria-label', name);
    button.setAttribute('title', name);
    button.classList.toggle('copied', name === COPIED_LABEL);
  };
  void navigator.clipboard?.writeText(code).then(() => {
    label('Copied', COPIED_LABEL);
    setTimeout(() => label('Copy', COPY_LABEL), 1500);
  });
}

const number = new Intl.NumberFormat('en');

export function AttachmentChip({ attachment, onRemove }: { attachment: { name: string; tokens: number | null }; onRemove?: () => void }) {
  return (
    <span className="chip" data-testid="attachment" title={attachment.name}>
      <FileText size={15} aria-hidden="true" />
      <span className="chip-name">{attachment.name}</span>
      <span className="chip-tokens">{attachment.tokens === null ? 'reading…' : `${number.format(attachment.tokens)} tokens`}</span>
      {onRemove && <IconButton icon={X} label={`Remove ${attachment.name}`} className="quiet tiny" onClick={onRemove} />}
    </span>
  );
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
        <ChevronRight size={15} aria-hidden="true" className="chevron" />
        <span>{isThinking ? 'Thinking…' : `Thought for ${seconds} second${seconds === 1 ? '' : 's'}`}</span>
      </button>
      {isOpen && <div className="reasoning-text" data-testid="reasoning-text">{message.reasoning}</div>}
    </div>
  );
}

/** "34 tokens in, 12 out · 25.3 tokens/s": what the usage card says. */
function usageLines(message: ChatMessage): string[] {
  const { usage, generation_ms: ms } = message;
  if (!usage) return [];
  const cached = usage.prompt_cache_hit_tokens ? ` (${number.format(usage.prompt_cache_hit_tokens)} cached)` : '';
  const reasoning = usage.reasoning_tokens ? ` (${number.format(usage.reasoning_tokens)} reasoning)` : '';
  const lines = [`Prompt: ${number.format(usage.prompt_tokens)} tokens${cached}`, `Answer: ${number.format(usage.completion_tokens)} tokens${reasoning}`];
  if (ms && ms > 0 && usage.completion_tokens > 1) lines.push(`Speed: ${(usage.completion_tokens / (ms / 1000)).toFixed(1)} tokens/s over ${(ms / 1000).toFixed(1)} s`);
  if (message.model) lines.push(`Model: ${message.model}`);
  return lines;
}

function Usage({ message }: { message: ChatMessage }) {
  const lines = usageLines(message);
  if (lines.length === 0) return null;
  return (
    <span className="usage" data-testid="usage">
      <IconButton icon={Gauge} label={lines.join('\n')} className="quiet" />
      <span className="usage-card" role="tooltip">{lines.map((line) => <span key={line}>{line}</span>)}</span>
    </span>
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
        {message.attachments && <div className="chips">{message.attachments.map((a, i) => <AttachmentChip key={i} attachment={a} />)}</div>}
        {draft === null ? (
          <>
            {message.content && <div className="bubble">{message.content}</div>}
            {actions.onEdit && <div className="actions"><IconButton icon={Pencil} label="Edit" className="quiet" onClick={() => setDraft(message.content)} /></div>}
          </>
        ) : (
          <div className="edit">
            <textarea aria-label="Edit message" value={draft} onChange={(e) => setDraft(e.target.value)} />
            <div className="row">
              <button type="button" onClick={() => { actions.onEdit?.(draft); setDraft(null); }} disabled={!draft.trim() && !message.attachments}>Send</button>
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
      {message.stopped && <p className="stopped" data-testid="stopped"><CircleStop size={15} aria-hidden="true" />Stopped: you ended this answer early.</p>}
      {!isLive && (
        <div className="actions">
          <CopyButton text={() => message.content} label="Copy answer" />
          {actions.onRegenerate && <IconButton icon={RefreshCw} label="Regenerate" className="quiet" onClick={actions.onRegenerate} />}
          <Usage message={message} />
        </div>
      )}
    </div>
  );
}
