/** This conversation's system prompt and temperature, sent with each of its requests and kept with it. */
import { useState, type FormEvent } from 'react';
import { X } from 'lucide-react';
import type { ConversationSettings } from './api.ts';
import { IconButton } from './IconButton.tsx';

/** The API's default, which an unset temperature gets. */
const DEFAULT_TEMPERATURE = 1;

export function ChatSettings({ settings, onSave, onClose }: { settings: ConversationSettings; onSave: (settings: ConversationSettings) => void; onClose: () => void }) {
  const [systemPrompt, setSystemPrompt] = useState(settings.system_prompt ?? '');
  const [temperature, setTemperature] = useState<number | null>(settings.temperature ?? null);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSave({ ...(systemPrompt.trim() && { system_prompt: systemPrompt }), ...(temperature !== null && { temperature }) });
    onClose();
  };
  return (
    <form className="panel" role="dialog" aria-label="Chat settings" onSubmit={submit}>
      <div className="row"><h2>Chat settings</h2><span className="spacer" /><IconButton icon={X} label="Close" onClick={onClose} /></div>
      <p className="hint">For this conversation only; kept with it, encrypted like its messages.</p>
      <label>System prompt
        <textarea aria-label="System prompt" rows={6} placeholder="e.g. You are a concise assistant. Answer in French." value={systemPrompt} onChange={(e) => setSystemPrompt(e.target.value)} />
      </label>
      <label>Temperature: <output data-testid="temperature-value">{temperature === null ? `default (${DEFAULT_TEMPERATURE})` : temperature.toFixed(1)}</output>
        <input type="range" aria-label="Temperature" min={0} max={2} step={0.1} value={temperature ?? DEFAULT_TEMPERATURE} onChange={(e) => setTemperature(Number(e.target.value))} />
      </label>
      <p className="hint">Lower is more focused and repeatable, higher more varied.</p>
      <div className="row">
        <button type="submit">Save</button>
        <button type="button" className="secondary" onClick={() => { setSystemPrompt(''); setTemperature(null); }}>Reset to defaults</button>
      </div>
    </form>
  );
}
