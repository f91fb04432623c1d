/** Appearance, privacy and account: theme, retention, export, password, delete account, sign out. */
import { useState, type FormEvent } from 'react';
import { LogOut, Monitor, Moon, Sun, X } from 'lucide-react';
import { api, type Session } from './api.ts';
import { IconButton } from './IconButton.tsx';
import { useTheme, type Theme } from './theme.ts';

const THEMES: Array<[Theme, string, typeof Sun]> = [['light', 'Light', Sun], ['dark', 'Dark', Moon], ['system', 'System', Monitor]];

const RETENTION_CHOICES: Array<[string, number | null]> = [['Keep until I delete', null], ['1 day', 1], ['7 days', 7], ['30 days', 30], ['90 days', 90], ['1 year', 365]];

export function SettingsPanel({ session, onClose, onSignedOut, onSession }: { session: Session; onClose: () => void; onSignedOut: () => void; onSession: (s: Session) => void }) {
  const [message, setMessage] = useState('');
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [deletePassword, setDeletePassword] = useState('');
  const [theme, setTheme] = useTheme();

  const attempt = (work: () => Promise<unknown>, done: string) => async (event?: FormEvent) => {
    event?.preventDefault();
    try {
      await work();
      setMessage(done);
    } catch (caught) {
      setMessage((caught as Error).message);
    }
  };
  const setRetention = (days: number | null) => attempt(async () => {
    await api.setRetention(days);
    onSession({ ...session, user: { ...session.user, retention_days: days } });
  }, 'Retention saved')();

  return (
    <div className="panel" role="dialog" aria-label="Settings">
      <div className="row"><h2>Settings</h2><span className="spacer" /><IconButton icon={X} label="Close" onClick={onClose} /></div>
      {message && <p className="notice" role="status">{message}</p>}
      <section>
        <h3>Theme</h3>
        <div className="segmented" role="radiogroup" aria-label="Theme">
          {THEMES.map(([value, label, Icon]) => (
            <button key={value} type="button" role="radio" aria-checked={theme === value} onClick={() => setTheme(value)}>
              <Icon size={16} aria-hidden="true" />{label}
            </button>
          ))}
        </div>
      </section>
      <section>
        <h3>Your data</h3>
        <label>Delete conversations older than
          <select aria-label="Retention" value={String(session.user.retention_days)} onChange={(e) => void setRetention(e.target.value === 'null' ? null : Number(e.target.value))}>
            {RETENTION_CHOICES.map(([label, days]) => <option key={label} value={String(days)}>{label}</option>)}
          </select>
        </label>
        <a className="button" href="/app/api/export" download>Export all my data</a>
      </section>
      <form onSubmit={attempt(() => api.changePassword(currentPassword, newPassword), 'Password changed; other devices were signed out')}>
        <h3>Change password</h3>
        <input type="password" aria-label="Current password" placeholder="Current password" autoComplete="current-password" value={currentPassword} onChange={(e) => setCurrentPassword(e.target.value)} required />
        <input type="password" aria-label="New password" placeholder="New password" autoComplete="new-password" minLength={8} value={newPassword} onChange={(e) => setNewPassword(e.target.value)} required />
        <button type="submit">Change password</button>
      </form>
      <form onSubmit={attempt(async () => { await api.deleteAccount(deletePassword); onSignedOut(); }, 'Account deleted')}>
        <h3>Delete my account</h3>
        <p className="hint">Destroys your key and every conversation. This cannot be undone.</p>
        <input type="password" aria-label="Password to delete account" placeholder="Password" value={deletePassword} onChange={(e) => setDeletePassword(e.target.value)} required />
        <button type="submit" className="danger">Delete my account</button>
      </form>
      <IconButton icon={LogOut} label="Sign out" showLabel className="secondary" onClick={() => void api.signOut().finally(onSignedOut)} />
    </div>
  );
}
