/** The signed-in screen: conversation list, the chat with its model picker and DeepThink switch, settings. */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, type ConversationItem, type Session } from './api.ts';
import { Composer } from './Composer.tsx';
import { MessageView } from './MessageView.tsx';
import { SettingsPanel } from './SettingsPanel.tsx';
import { Sidebar } from './Sidebar.tsx';
import { useChat } from './useChat.ts';

interface Props {
  session: Session;
  onSignedOut: () => void;
  onSession: (session: Session) => void;
}

export function ChatView({ session, onSignedOut, onSession }: Props) {
  const [items, setItems] = useState<ConversationItem[]>([]);
  const [query, setQuery] = useState('');
  const [models, setModels] = useState<string[]>([]);
  const [model, setModel] = useState('');
  const [isThinking, setThinking] = useState(true);
  const [isSidebarOpen, setSidebarOpen] = useState(false);
  const [isSettingsOpen, setSettingsOpen] = useState(false);
  const [loadError, setLoadError] = useState('');
  const bottom = useRef<HTMLDivElement>(null);

  const refresh = useCallback(() => {
    api.conversations(query).then((list) => setItems(list.data), (caught: Error) => setLoadError(caught.message));
  }, [query]);
  const chat = useChat(refresh);

  useEffect(() => {
    const timer = setTimeout(refresh, query ? 250 : 0);
    return () => clearTimeout(timer);
  }, [refresh, query]);
  useEffect(() => {
    api.models().then((list) => {
      const ids = list.data.map((m) => m.id);
      setModels(ids);
      setModel((current) => current || ids[0] || '');
    }, (caught: Error) => setLoadError(caught.message));
  }, []);
  // Braces: scrollIntoView returns a promise in current browsers, and an effect may only return a cleanup.
  useEffect(() => {
    void bottom.current?.scrollIntoView({ block: 'end' });
  }, [chat.chat.messages]);

  const open = async (id: string) => {
    setSidebarOpen(false);
    try {
      chat.open(await api.conversation(id));
    } catch (caught) {
      setLoadError((caught as Error).message);
    }
  };
  const startNew = (isIncognito: boolean) => {
    chat.reset(isIncognito);
    setSidebarOpen(false);
  };
  const rename = async (id: string, title: string) => {
    await api.rename(id, title).catch((caught: Error) => setLoadError(caught.message));
    if (id === chat.chat.id) chat.retitle(title);
    refresh();
  };
  const remove = async (id: string) => {
    await api.remove(id).catch((caught: Error) => setLoadError(caught.message));
    if (id === chat.chat.id) chat.reset(false);
    refresh();
  };

  const messages = chat.chat.messages;
  const lastIndex = messages.length - 1;
  return (
    <div className={`layout${isSidebarOpen ? ' sidebar-open' : ''}`}>
      <Sidebar items={items} currentId={chat.chat.id} query={query} onQuery={setQuery} onOpen={open} onNew={startNew} onRename={rename} onDelete={remove} />
      {isSidebarOpen && <div className="backdrop" data-testid="backdrop" onClick={() => setSidebarOpen(false)} />}
      <main className="chat">
        <header className="row">
          <button type="button" className="menu secondary" aria-label="Conversations" onClick={() => setSidebarOpen(!isSidebarOpen)}>☰</button>
          <select aria-label="Model" value={model} onChange={(e) => setModel(e.target.value)}>
            {models.map((id) => <option key={id} value={id}>{id}</option>)}
          </select>
          <span className="spacer" />
          <span className="who">{session.user.username}</span>
          <button type="button" className="secondary" onClick={() => setSettingsOpen(true)}>Settings</button>
        </header>
        {chat.chat.isIncognito && <p className="incognito" data-testid="incognito">Incognito: this chat is not saved and disappears when you leave it.</p>}
        <div className="messages">
          {messages.length === 0 && <p className="empty">How can I help you today?</p>}
          {messages.map((message, index) => (
            <MessageView
              key={`${chat.chat.id}-${index}`}
              message={message}
              isLive={chat.isStreaming && index === lastIndex}
              actions={chat.isStreaming ? {} : message.role === 'user'
                ? { onEdit: (text) => void chat.editAndResend(index, text, model, isThinking) }
                : index === lastIndex ? { onRegenerate: () => chat.regenerate(model, isThinking) } : {}}
            />
          ))}
          {(chat.error || loadError) && <p className="error" role="alert">{chat.error || loadError}</p>}
          <div ref={bottom} />
        </div>
        <Composer isStreaming={chat.isStreaming} isThinking={isThinking} onThinking={setThinking} onSend={(text) => void chat.send(text, model, isThinking)} onStop={chat.stop} />
      </main>
      {isSettingsOpen && <SettingsPanel session={session} onClose={() => setSettingsOpen(false)} onSignedOut={onSignedOut} onSession={onSession} />}
    </div>
  );
}
