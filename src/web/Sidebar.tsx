/** The conversation list: new chat, incognito, search (decrypted on the server, in memory), rename and delete. */
import { useState } from 'react';
import { EyeOff, PanelLeftClose, Pencil, Search, SquarePen, Trash2 } from 'lucide-react';
import type { ConversationItem } from './api.ts';
import { IconButton } from './IconButton.tsx';
import logoUrl from './logo.svg';
import { MOD } from './shortcuts.ts';

interface Props {
  items: ConversationItem[];
  currentId: string;
  query: string;
  username: string;
  onQuery: (query: string) => void;
  onOpen: (id: string) => void;
  onNew: (isIncognito: boolean) => void;
  onRename: (id: string, title: string) => void;
  onDelete: (id: string) => void;
  /** Hides the list on a wide screen (a phone folds it by itself). */
  onHide: () => void;
}

function Item({ item, isCurrent, onOpen, onRename, onDelete }: { item: ConversationItem; isCurrent: boolean } & Pick<Props, 'onOpen' | 'onRename' | 'onDelete'>) {
  const [title, setTitle] = useState<string | null>(null);
  const [isConfirming, setConfirming] = useState(false);
  if (title !== null) {
    return (
      <li className="item">
        <form onSubmit={(e) => { e.preventDefault(); if (title.trim()) onRename(item.id, title.trim()); setTitle(null); }}>
          <input aria-label="New title" autoFocus value={title} onChange={(e) => setTitle(e.target.value)} onBlur={() => setTitle(null)} />
        </form>
      </li>
    );
  }
  return (
    <li className={`item${isCurrent ? ' current' : ''}`} data-testid="conversation">
      <button type="button" className="title" title={item.title} onClick={() => onOpen(item.id)}>{item.title}</button>
      {isConfirming ? (
        <>
          <button type="button" className="small danger" onClick={() => onDelete(item.id)}>Delete</button>
          <button type="button" className="small" onClick={() => setConfirming(false)}>Keep</button>
        </>
      ) : (
        <span className="item-actions">
          <IconButton icon={Pencil} label="Rename" className="quiet tiny" onClick={() => setTitle(item.title)} />
          <IconButton icon={Trash2} label="Delete" className="quiet tiny" onClick={() => setConfirming(true)} />
        </span>
      )}
    </li>
  );
}

export function Sidebar(props: Props) {
  return (
    <nav className="sidebar" aria-label="Conversations">
      <div className="brand">
        <img src={logoUrl} alt="" width={28} height={28} />
        <span>Seekstack</span>
        <span className="spacer" />
        <IconButton icon={PanelLeftClose} label="Hide conversations" title={`Hide conversations (${MOD}+Shift+S)`} className="quiet hide-narrow" onClick={props.onHide} />
      </div>
      <div className="row">
        <IconButton icon={SquarePen} label="New chat" showLabel className="primary grow" title={`New chat (${MOD}+Shift+O)`} onClick={() => props.onNew(false)} />
        <IconButton icon={EyeOff} label="Incognito" className="secondary" title="Incognito chat: not saved" onClick={() => props.onNew(true)} />
      </div>
      <label className="search">
        <Search size={16} aria-hidden="true" />
        <input type="search" aria-label="Search conversations" placeholder="Search" value={props.query} onChange={(e) => props.onQuery(e.target.value)} />
      </label>
      <ul className="list">
        {props.items.map((item) => (
          <Item key={item.id} item={item} isCurrent={item.id === props.currentId} onOpen={props.onOpen} onRename={props.onRename} onDelete={props.onDelete} />
        ))}
        {props.items.length === 0 && <li className="empty">{props.query ? 'Nothing found' : 'No conversations yet'}</li>}
      </ul>
      <div className="who">{props.username}</div>
    </nav>
  );
}
