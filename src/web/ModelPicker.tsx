/**
 * The model menu: each served model once, whatever names reach it (DeepSeek's and the operator's aliases
 * are listed under it), with what it can do: reasoning, tools, and its context size.
 */
import { useEffect, useRef, useState } from 'react';
import { Brain, Check, ChevronDown, Cpu, Wrench } from 'lucide-react';
import type { ModelEntry } from './api.ts';

export function contextLabel(tokens: number): string {
  return tokens >= 1024 ? `${Math.round(tokens / 1024)}K` : String(tokens);
}

export function ModelPicker({ models, value, onChange }: { models: ModelEntry[]; value: string; onChange: (requestName: string) => void }) {
  const [isOpen, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const current = models.find((m) => m.request_name === value);

  useEffect(() => {
    if (!isOpen) return;
    const close = (event: Event) => {
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [isOpen]);

  const choose = (model: ModelEntry) => {
    onChange(model.request_name);
    setOpen(false);
  };
  return (
    <div className="model-picker" ref={root}>
      <button type="button" className="model-button" aria-haspopup="listbox" aria-expanded={isOpen} aria-label={`Model: ${current?.id ?? "none"}`} title="Choose the model" onClick={() => setOpen(!isOpen)}>
        <Cpu size={16} aria-hidden="true" />
        <span className="model-current">{current?.id ?? 'No model'}</span>
        <ChevronDown size={16} aria-hidden="true" />
      </button>
      {isOpen && (
        <ul className="model-menu" role="listbox" aria-label="Models">
          {models.map((model) => (
            <li
              key={model.id} role="option" aria-selected={model === current} tabIndex={0} data-testid="model-option"
              onClick={() => choose(model)} onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); choose(model); } }}
            >
              <div className="model-name">{model.id}{model === current && <Check size={16} aria-label="chosen" />}</div>
              <div className="badges">
                {model.thinking && <span className="badge" title="Reasons before answering (DeepThink)"><Brain size={13} aria-hidden="true" />Thinking</span>}
                {model.tools && <span className="badge" title="Can call tools (functions)"><Wrench size={13} aria-hidden="true" />Tools</span>}
                <span className="badge" title={`${model.context_length.toLocaleString('en')} tokens of context`}>{contextLabel(model.context_length)} context</span>
              </div>
              {model.aliases.length > 0 && <div className="aliases">Also answers to {model.aliases.map((a) => a.name).join(', ')}</div>}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
