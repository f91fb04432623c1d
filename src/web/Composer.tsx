/**
 * The message box: Enter sends, Shift+Enter is a new line; Stop while an answer streams. Files come in by
 * the paperclip, by dropping or by pasting; each is read here, counted by the model's tokenizer, and
 * refused with a message when it would not fit in what is left of the model's context.
 */
import { useState, type ClipboardEvent, type DragEvent, type KeyboardEvent, type MouseEvent, type Ref } from 'react';
import { ArrowUp, Brain, Paperclip, Square } from 'lucide-react';
import { HttpError, type Attachment } from './api.ts';
import { ACCEPTED_FILES, AttachmentError, readFile } from './attachments.ts';
import { IconButton } from './IconButton.tsx';
import { AttachmentChip } from './MessageView.tsx';

/** Left for the question and the answer's start, so a file that fills the context exactly is still refused. */
const RESERVED_TOKENS = 256;

interface Pending {
  key: number;
  name: string;
  attachment: Attachment | null;
}

interface Props {
  isStreaming: boolean;
  isThinking: boolean;
  /** Why DeepThink cannot be switched, if it cannot. */
  thinkingNote: string | null;
  onThinking: (isThinking: boolean) => void;
  onSend: (text: string, attachments: Attachment[]) => void;
  onStop: () => void;
  /** A text's length in tokens under the chosen model, and that model's context. */
  countTokens: (text: string) => Promise<{ tokens: number; context_length: number }>;
  /** Tokens the conversation already takes. */
  usedTokens: number;
  /** The chosen model's context, in tokens. */
  contextLength: number;
  inputRef: Ref<HTMLTextAreaElement>;
}

let nextKey = 0;
const number = new Intl.NumberFormat('en');

export function Composer({ isStreaming, isThinking, thinkingNote, onThinking, onSend, onStop, countTokens, usedTokens, contextLength, inputRef }: Props) {
  const [text, setText] = useState('');
  const [pending, setPending] = useState<Pending[]>([]);
  const [fileError, setFileError] = useState('');
  const isReading = pending.some((p) => p.attachment === null);
  const canSend = (text.trim() !== '' || pending.length > 0) && !isReading && !isStreaming;

  const send = () => {
    if (!canSend) return;
    onSend(text, pending.map((p) => p.attachment!));
    setText('');
    setPending([]);
    setFileError('');
  };
  // Send turns into Stop under the pointer, so the second click of a double click on Send (detail 2)
  // would stop the answer the first one started. A deliberate Stop is a single click, or a key (detail 0).
  const stop = (event: MouseEvent) => {
    if (event.detail <= 1) onStop();
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  const attach = async (files: File[]) => {
    setFileError('');
    let taken = usedTokens + pending.reduce((sum, p) => sum + (p.attachment?.tokens ?? 0), 0);
    for (const file of files) {
      const key = nextKey++;
      setPending((list) => [...list, { key, name: file.name, attachment: null }]);
      try {
        const read = await readFile(file);
        const { tokens, context_length: context } = await countTokens(read.text).catch((caught: unknown) => {
          if (caught instanceof HttpError && caught.code === 'context_length_exceeded') {
            throw new AttachmentError(`${file.name} does not fit: it is longer than the model's whole context (${number.format(contextLength)} tokens). Attach a smaller part of it.`);
          }
          throw caught;
        });
        if (taken + tokens + RESERVED_TOKENS > context) {
          const left = Math.max(0, context - taken - RESERVED_TOKENS);
          throw new AttachmentError(`${file.name} does not fit: it is ${number.format(tokens)} tokens, but the model's context holds ${number.format(context)} and only about ${number.format(left)} are left in this conversation. Attach a smaller part of it, or start a new chat.`);
        }
        taken += tokens;
        setPending((list) => list.map((p) => (p.key === key ? { ...p, attachment: { ...read, tokens } } : p)));
      } catch (caught) {
        setPending((list) => list.filter((p) => p.key !== key));
        setFileError((caught as Error).message);
      }
    }
  };
  const onPick = (input: HTMLInputElement) => {
    void attach([...(input.files ?? [])]);
    input.value = '';
  };
  const onDrop = (event: DragEvent) => {
    if (event.dataTransfer.files.length === 0) return;
    event.preventDefault();
    void attach([...event.dataTransfer.files]);
  };
  const onPaste = (event: ClipboardEvent) => {
    if (event.clipboardData.files.length === 0) return;
    event.preventDefault();
    void attach([...event.clipboardData.files]);
  };

  return (
    <div className="composer" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
      {pending.length > 0 && (
        <div className="chips" data-testid="pending-attachments">
          {pending.map((p) => (
            <AttachmentChip key={p.key} attachment={{ name: p.name, tokens: p.attachment?.tokens ?? null }} onRemove={() => setPending((list) => list.filter((q) => q.key !== p.key))} />
          ))}
        </div>
      )}
      {fileError && <p className="error" role="alert" data-testid="attachment-error">{fileError}</p>}
      <textarea ref={inputRef} aria-label="Message" placeholder="Message Seekstack" rows={2} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} onPaste={onPaste} />
      <div className="row">
        <label className="icon-button quiet" title="Attach files (text, Markdown, code, PDF, Word)">
          <Paperclip size={18} strokeWidth={1.9} aria-hidden="true" />
          <input type="file" multiple accept={ACCEPTED_FILES} aria-label="Attach files" className="visually-hidden" onChange={(e) => onPick(e.currentTarget)} />
        </label>
        <IconButton
          icon={Brain} label="DeepThink" showLabel isPressed={isThinking} className="toggle" disabled={thinkingNote !== null}
          title={thinkingNote ?? (isThinking ? 'DeepThink is on: the model reasons before it answers' : 'DeepThink is off: the model answers at once')}
          onClick={() => onThinking(!isThinking)}
        />
        <span className="spacer" />
        {isStreaming
          ? <IconButton icon={Square} label="Stop" className="primary round" onClick={stop} />
          : <IconButton icon={ArrowUp} label="Send" className="primary round" onClick={send} disabled={!canSend} />}
      </div>
    </div>
  );
}
