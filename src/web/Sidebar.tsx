/** The conversation list: new chat, search (decrypted on the server, in memory), rename and delete. */
import { useState } from 'react';
import type { ConversationItem } from './api.ts';

interface Props {
  items: ConversationItem[];
  currentId: string;
  query: string;
  onQuery: (query: string) => void;
  onOpen: (id: string) => void;
  onNew: (isIncognito: boolean) => void;
  onRename: (id: string, title: string) => void;
  onDelete: (id: string) => void;
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
      <button type="button" className="title" onClick={() => onOpen(item.id)}>{item.title}</button>
      {isConfirming ? (
        <>
          <button type="button" className="small danger" onClick={() => onDelete(item.id)}>Delete</button>
          <button type="button" className="small" onClick={() => setConfirming(false)}>Keep</button>
        </>
      ) : (
        <>
          <button type="button" className="small" aria-label="Rename" onClick={() => setTitle(item.title)}>✎</button>
          <button type="button" className="small" aria-label="Delete" onClick={() => setConfirming(true)}>✕</button>
        </>
      )}
    </li>
  );
}

export function Sidebar(props: Props) {
  return (
    <nav className="sidebar">
      <div className="row">
        <button type="button" onClick={() => props.onNew(false)}>New chat</button>
        <button type="button" className="secondary" onClick={() => props.onNew(true)}>Incognito</button>
      </div>
      <input type="search" aria-label="Search conversations" placeholder="Search" value={props.query} onChange={(e) => props.onQuery(e.target.value)} />
      <ul className="list">
        {props.items.map((item) => (
          <Item key={item.id} item={item} isCurrent={item.id === props.currentId} onOpen={props.onOpen} onRename={props.onRename} onDelete={props.onDelete} />
        ))}
        {props.items.length === 0 && <li className="empty">{props.query ? 'Nothing found' : 'No conversations yet'}</li>}
      </ul>
    </nav>
  );
}
