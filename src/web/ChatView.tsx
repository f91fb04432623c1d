/**
 * The signed-in screen: conversation list, the chat with its model picker, DeepThink switch and
 * per-conversation settings, the settings panel, the shortcuts, and for an administrator the admin page
 * (at #admin, so it survives a reload and the back button leaves it).
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { Keyboard, Menu, Settings, ShieldCheck, SlidersHorizontal } from 'lucide-react';
import { api, type ConversationItem, type ModelEntry, type Session } from './api.ts';
import { AdminView } from './AdminView.tsx';
import { ChatSettings } from './ChatSettings.tsx';
import { Composer } from './Composer.tsx';
import { IconButton } from './IconButton.tsx';
import logoUrl from './logo.svg';
import { MessageView } from './MessageView.tsx';
import { ModelPicker } from './ModelPicker.tsx';
import { SettingsPanel } from './SettingsPanel.tsx';
import { ShortcutsHelp } from './ShortcutsHelp.tsx';
import { Sidebar } from './Sidebar.tsx';
import { MOD, useShortcuts } from './shortcuts.ts';
import { useChat } from './useChat.ts';

interface Props {
  session: Session;
  onSignedOut: () => void;
  onSession: (session: Session) => void;
}

type Panel = 'settings' | 'chat-settings' | 'shortcuts' | null;

const isAdminHash = () => location.hash === '#admin';

/** The width below which styles.css lays the app out for a phone. */
const PHONE = '(max-width: 700px)';

export function ChatView({ session, onSignedOut, onSession }: Props) {
  const [items, setItems] = useState<ConversationItem[]>([]);
  const [query, setQuery] = useState('');
  const [models, setModels] = useState<ModelEntry[]>([]);
  const [model, setModel] = useState('');
  const [isThinking, setThinking] = useState(true);
  /** On a phone the list is an overlay, opened on demand; on a wide screen it shows unless hidden. */
  const [isSidebarOpen, setSidebarOpen] = useState(false);
  const [isSidebarHidden, setSidebarHidden] = useState(false);
  const [panel, setPanel] = useState<Panel>(null);
  const [isAdminPage, setAdminPage] = useState(() => session.user.is_admin && isAdminHash());
  const [loadError, setLoadError] = useState('');
  const bottom = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);

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
      setModels(list.data);
      setModel((current) => current || list.data[0]?.request_name || '');
    }, (caught: Error) => setLoadError(caught.message));
  }, []);
  useEffect(() => {
    const follow = () => setAdminPage(session.user.is_admin && isAdminHash());
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, [session.user.is_admin]);
  // Braces: scrollIntoView returns a promise in current browsers, and an effect may only return a cleanup.
  useEffect(() => {
    void bottom.current?.scrollIntoView({ block: 'end' });
  }, [chat.chat.messages]);

  const showAdmin = (isShown: boolean) => {
    if (isAdminHash() !== isShown) location.hash = isShown ? 'admin' : '';
    setAdminPage(isShown);
    setSidebarOpen(false);
  };
  const open = async (id: string) => {
    setSidebarOpen(false);
    showAdmin(false);
    try {
      chat.open(await api.conversation(id));
    } catch (caught) {
      setLoadError((caught as Error).message);
    }
  };
  const startNew = (isIncognito: boolean) => {
    chat.reset(isIncognito);
    setSidebarOpen(false);
    showAdmin(false);
    input.current?.focus();
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

  const toggleSidebar = () => {
    if (matchMedia(PHONE).matches) setSidebarOpen(!isSidebarOpen);
    else setSidebarHidden(!isSidebarHidden);
  };

  useShortcuts({
    newChat: () => (startNew(false), true),
    focusInput: () => (input.current?.focus(), input.current !== null),
    stop: () => chat.isStreaming && chat.stop(),
    toggleSidebar: () => (toggleSidebar(), true),
    help: () => (setPanel(panel === 'shortcuts' ? null : 'shortcuts'), true),
  });

  const current = models.find((m) => m.request_name === model);
  const thinkingNote = current && !current.thinking ? `${current.id} does not reason: DeepThink is unavailable` : null;
  const messages = chat.chat.messages;
  const lastIndex = messages.length - 1;
  const lastUsage = messages.findLast((m) => m.usage)?.usage;
  const menuButton = <IconButton icon={Menu} label="Conversations" title={`Conversations (${MOD}+Shift+S)`} className="menu" onClick={toggleSidebar} />;
  return (
    <div className={`layout${isSidebarOpen ? ' sidebar-open' : ''}${isSidebarHidden ? ' sidebar-hidden' : ''}`}>
      <Sidebar items={items} currentId={chat.chat.id} query={query} username={session.user.username} onQuery={setQuery} onOpen={open} onNew={startNew} onRename={rename} onDelete={remove} onHide={() => setSidebarHidden(true)} />
      {isSidebarOpen && <div className="backdrop" data-testid="backdrop" onClick={() => setSidebarOpen(false)} />}
      {isAdminPage ? <AdminView onBack={() => showAdmin(false)} menuButton={menuButton} /> : (
        <main className="chat">
          <header className="row">
            {menuButton}
            <ModelPicker models={models} value={model} onChange={setModel} />
            <span className="spacer" />
            <IconButton
              icon={SlidersHorizontal} label="System prompt and temperature" isPressed={panel === 'chat-settings'} disabled={chat.isStreaming}
              className={chat.chat.settings.system_prompt || chat.chat.settings.temperature !== undefined ? 'quiet marked' : 'quiet'}
              onClick={() => setPanel('chat-settings')}
            />
            <IconButton icon={Keyboard} label="Keyboard shortcuts" title={`Keyboard shortcuts (${MOD}+/)`} className="quiet hide-narrow" onClick={() => setPanel('shortcuts')} />
            {session.user.is_admin && <IconButton icon={ShieldCheck} label="Administration" className="quiet" onClick={() => showAdmin(true)} />}
            <IconButton icon={Settings} label="Settings" className="quiet" onClick={() => setPanel('settings')} />
          </header>
          {chat.chat.isIncognito && <p className="incognito" data-testid="incognito">Incognito: this chat is not saved and disappears when you leave it.</p>}
          <div className="messages">
            {messages.length === 0 && (
              <div className="welcome">
                <img src={logoUrl} alt="" width={56} height={56} />
                <h2>How can I help you today?</h2>
                <p className="hint">Attach text, code, PDF or Word files with the paperclip; {MOD}+/ lists the shortcuts.</p>
              </div>
            )}
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
          <Composer
            inputRef={input} isStreaming={chat.isStreaming} isThinking={isThinking && thinkingNote === null} thinkingNote={thinkingNote} onThinking={setThinking}
            onSend={(text, attachments) => void chat.send(text, attachments, model, isThinking && thinkingNote === null)} onStop={chat.stop}
            countTokens={(text) => api.tokens(model, text)} usedTokens={lastUsage ? lastUsage.prompt_tokens + lastUsage.completion_tokens : 0} contextLength={current?.context_length ?? 0}
          />
        </main>
      )}
      {panel === 'settings' && <SettingsPanel session={session} onClose={() => setPanel(null)} onSignedOut={onSignedOut} onSession={onSession} />}
      {panel === 'chat-settings' && <ChatSettings key={chat.chat.id} settings={chat.chat.settings} onSave={chat.configure} onClose={() => setPanel(null)} />}
      {panel === 'shortcuts' && <ShortcutsHelp onClose={() => setPanel(null)} />}
    </div>
  );
}
