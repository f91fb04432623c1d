/**
 * One conversation's state and its generation: send, stop, regenerate, edit-and-resend. Finished turns
 * are saved to the server's encrypted history unless the chat is incognito, which lives only in memory.
 */
import { useRef, useState } from 'react';
import { api, type ChatMessage, type Conversation } from './api.ts';
import { streamChat } from './stream.ts';

export interface ChatState {
  id: string;
  title: string | null;
  messages: ChatMessage[];
  isIncognito: boolean;
}

export const newChat = (isIncognito: boolean): ChatState => ({ id: crypto.randomUUID(), title: null, messages: [], isIncognito });

const titleOf = (messages: ChatMessage[]) => (messages.find((m) => m.role === 'user')?.content.trim().replace(/\s+/g, ' ').slice(0, 60) || 'New chat');

export function useChat(onSaved: () => void) {
  const [chat, setChat] = useState<ChatState>(() => newChat(false));
  const [isStreaming, setStreaming] = useState(false);
  const [error, setError] = useState('');
  const controller = useRef<AbortController | null>(null);

  const run = async (base: ChatState, history: ChatMessage[], model: string, isThinking: boolean) => {
    const reply: ChatMessage = { role: 'assistant', content: '', reasoning: '', model };
    const startedAt = performance.now();
    const show = () => setChat({ ...base, messages: [...history, { ...reply }] });
    show();
    setStreaming(true);
    setError('');
    const abort = (controller.current = new AbortController());
    try {
      await streamChat({ model, messages: history, isThinking, signal: abort.signal }, (delta) => {
        if (delta.reasoning) reply.reasoning += delta.reasoning;
        if (delta.content) {
          if (reply.reasoning && reply.reasoning_ms === undefined) reply.reasoning_ms = performance.now() - startedAt;
          reply.content += delta.content;
        }
        show();
      });
    } catch (caught) {
      if (!abort.signal.aborted) setError((caught as Error).message);
    } finally {
      if (reply.reasoning && reply.reasoning_ms === undefined) reply.reasoning_ms = performance.now() - startedAt;
      if (!reply.reasoning) delete reply.reasoning;
      controller.current = null;
      setStreaming(false);
    }
    const finished = { ...base, title: base.title ?? titleOf(history), messages: [...history, reply] };
    setChat(finished);
    if (!finished.isIncognito) {
      await api.save(finished.id, finished.title, finished.messages).then(onSaved, (caught: Error) => setError(`not saved: ${caught.message}`));
    }
  };

  return {
    chat,
    isStreaming,
    error,
    send: (text: string, model: string, isThinking: boolean) => run(chat, [...chat.messages, { role: 'user', content: text }], model, isThinking),
    /** The last answer again, from the same question. */
    regenerate: (model: string, isThinking: boolean) => {
      const lastUser = chat.messages.findLastIndex((m) => m.role === 'user');
      if (lastUser >= 0) void run(chat, chat.messages.slice(0, lastUser + 1), model, isThinking);
    },
    /** Replaces a sent message and drops everything after it, then asks again. */
    editAndResend: (index: number, text: string, model: string, isThinking: boolean) =>
      run(chat, [...chat.messages.slice(0, index), { role: 'user', content: text }], model, isThinking),
    stop: () => controller.current?.abort(),
    open: (conversation: Conversation) => setChat({ id: conversation.id, title: conversation.title, messages: conversation.messages, isIncognito: false }),
    reset: (isIncognito: boolean) => {
      controller.current?.abort();
      setChat(newChat(isIncognito));
      setError('');
    },
    retitle: (title: string) => setChat((current) => ({ ...current, title })),
  };
}
