/**
 * One conversation's state and its generation: send, stop, regenerate, edit-and-resend, and its settings
 * (system prompt, temperature). Finished turns are saved to the server's encrypted history unless the
 * chat is incognito, which lives only in memory.
 */
import { useRef, useState } from 'react';
import { api, type Attachment, type ChatMessage, type Conversation, type ConversationSettings } from './api.ts';
import { streamChat } from './stream.ts';

export interface ChatState {
  id: string;
  title: string | null;
  messages: ChatMessage[];
  settings: ConversationSettings;
  isIncognito: boolean;
}

export const newChat = (isIncognito: boolean): ChatState => ({ id: crypto.randomUUID(), title: null, messages: [], settings: {}, isIncognito });

const titleOf = (messages: ChatMessage[]) => {
  const first = messages.find((m) => m.role === 'user');
  return first?.content.trim().replace(/\s+/g, ' ').slice(0, 60) || first?.attachments?.[0]?.name || 'New chat';
};

export function useChat(onSaved: () => void) {
  const [chat, setChat] = useState<ChatState>(() => newChat(false));
  const [isStreaming, setStreaming] = useState(false);
  const [error, setError] = useState('');
  const controller = useRef<AbortController | null>(null);

  const save = async (state: ChatState) => {
    if (state.isIncognito || state.messages.length === 0) return;
    await api.save(state.id, state.title ?? titleOf(state.messages), state.messages, state.settings).then(onSaved, (caught: Error) => setError(`not saved: ${caught.message}`));
  };

  const run = async (base: ChatState, history: ChatMessage[], model: string, isThinking: boolean) => {
    const reply: ChatMessage = { role: 'assistant', content: '', reasoning: '', model };
    const startedAt = performance.now();
    let firstTokenAt: number | undefined;
    const show = () => setChat({ ...base, messages: [...history, { ...reply }] });
    show();
    setStreaming(true);
    setError('');
    const abort = (controller.current = new AbortController());
    try {
      const { system_prompt: systemPrompt, temperature } = base.settings;
      await streamChat({ model, messages: history, isThinking, systemPrompt, temperature, signal: abort.signal }, (delta) => {
        if (delta.usage) reply.usage = delta.usage;
        if ((delta.reasoning || delta.content) && firstTokenAt === undefined) firstTokenAt = performance.now();
        if (delta.reasoning) reply.reasoning += delta.reasoning;
        if (delta.content) {
          if (reply.reasoning && reply.reasoning_ms === undefined) reply.reasoning_ms = performance.now() - startedAt;
          reply.content += delta.content;
        }
        show();
      });
    } catch (caught) {
      if (abort.signal.aborted) reply.stopped = true;
      else setError((caught as Error).message);
    } finally {
      if (reply.reasoning && reply.reasoning_ms === undefined) reply.reasoning_ms = performance.now() - startedAt;
      if (!reply.reasoning) delete reply.reasoning;
      if (firstTokenAt !== undefined) reply.generation_ms = performance.now() - firstTokenAt;
      controller.current = null;
      setStreaming(false);
    }
    const finished = { ...base, title: base.title ?? titleOf(history), messages: [...history, reply] };
    setChat(finished);
    await save(finished);
  };

  return {
    chat,
    isStreaming,
    error,
    send: (text: string, attachments: Attachment[], model: string, isThinking: boolean) =>
      run(chat, [...chat.messages, { role: 'user', content: text, ...(attachments.length > 0 && { attachments }) }], model, isThinking),
    /** The last answer again, from the same question. */
    regenerate: (model: string, isThinking: boolean) => {
      const lastUser = chat.messages.findLastIndex((m) => m.role === 'user');
      if (lastUser >= 0) void run(chat, chat.messages.slice(0, lastUser + 1), model, isThinking);
    },
    /** Replaces a sent message (its files stay) and drops everything after it, then asks again. */
    editAndResend: (index: number, text: string, model: string, isThinking: boolean) =>
      run(chat, [...chat.messages.slice(0, index), { ...chat.messages[index], content: text }], model, isThinking),
    /** Returns whether there was an answer to stop. */
    stop: () => {
      controller.current?.abort();
      return controller.current !== null;
    },
    open: (conversation: Conversation) => setChat({
      id: conversation.id, title: conversation.title, messages: conversation.messages, isIncognito: false,
      settings: { system_prompt: conversation.system_prompt, temperature: conversation.temperature },
    }),
    reset: (isIncognito: boolean) => {
      controller.current?.abort();
      setChat(newChat(isIncognito));
      setError('');
    },
    retitle: (title: string) => setChat((current) => ({ ...current, title })),
    /** New settings apply from the next request; a saved conversation keeps them at once. Not while an answer streams (the page disables it): its turn would save the old ones. */
    configure: (settings: ConversationSettings) => {
      const next = { ...chat, settings };
      setChat(next);
      void save(next);
    },
  };
}
