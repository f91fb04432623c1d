/** The keyboard shortcuts, as the handler knows them. */
import { X } from 'lucide-react';
import { IconButton } from './IconButton.tsx';
import { SHORTCUTS } from './shortcuts.ts';

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  return (
    <div className="panel" role="dialog" aria-label="Keyboard shortcuts">
      <div className="row"><h2>Keyboard shortcuts</h2><span className="spacer" /><IconButton icon={X} label="Close" onClick={onClose} /></div>
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.map((s) => (
            <tr key={s.action}>
              <td>{s.label}</td>
              <td>{s.keys.map((k, i) => <span key={k}>{i > 0 && ' or '}<kbd>{k}</kbd></span>)}</td>
            </tr>
          ))}
          <tr><td>Send the message</td><td><kbd>Enter</kbd></td></tr>
          <tr><td>New line</td><td><kbd>Shift+Enter</kbd></td></tr>
        </tbody>
      </table>
    </div>
  );
}
