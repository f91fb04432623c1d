/** The message box: Enter sends, Shift+Enter is a new line; Stop while an answer streams. */
import { useState, type KeyboardEvent } from 'react';

interface Props {
  isStreaming: boolean;
  isThinking: boolean;
  onThinking: (isThinking: boolean) => void;
  onSend: (text: string) => void;
  onStop: () => void;
}

export function Composer({ isStreaming, isThinking, onThinking, onSend, onStop }: Props) {
  const [text, setText] = useState('');
  const send = () => {
    if (!text.trim() || isStreaming) return;
    onSend(text);
    setText('');
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };
  return (
    <div className="composer">
      <textarea aria-label="Message" placeholder="Message Seekstack" rows={2} value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} />
      <div className="row">
        <button type="button" className={`toggle${isThinking ? ' on' : ''}`} aria-pressed={isThinking} onClick={() => onThinking(!isThinking)}>DeepThink</button>
        <span className="spacer" />
        {isStreaming ? <button type="button" onClick={onStop}>Stop</button> : <button type="button" onClick={send} disabled={!text.trim()}>Send</button>}
      </div>
    </div>
  );
}
