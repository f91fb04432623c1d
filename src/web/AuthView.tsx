/** Sign in, sign up (the first account becomes the administrator) and password recovery with the recovery key. */
import { useEffect, useState, type FormEvent } from 'react';
import { api, type Session } from './api.ts';
import logoUrl from './logo.svg';

type Mode = 'signin' | 'signup' | 'recover';

export function AuthView({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [mode, setMode] = useState<Mode>('signin');
  const [isSignUpOpen, setSignUpOpen] = useState(false);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [recoveryKey, setRecoveryKey] = useState('');
  const [error, setError] = useState('');
  const [isBusy, setBusy] = useState(false);

  useEffect(() => {
    api.status().then((status) => setSignUpOpen(status.is_sign_up_open), () => setSignUpOpen(false));
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      const session = mode === 'signup' ? await api.signUp(username, password)
        : mode === 'recover' ? await api.recover(username, recoveryKey, password)
        : await api.signIn(username, password);
      onSignedIn(session);
    } catch (caught) {
      setError((caught as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const titles: Record<Mode, string> = { signin: 'Sign in', signup: 'Create account', recover: 'Recover account' };
  return (
    <div className="auth">
      <form className="card" onSubmit={submit}>
        <div className="brand large"><img src={logoUrl} alt="" width={40} height={40} /><h1>Seekstack</h1></div>
        <h2>{titles[mode]}</h2>
        <label>Username<input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required /></label>
        {mode === 'recover' && (
          <label>Recovery key<input name="recovery-key" value={recoveryKey} onChange={(e) => setRecoveryKey(e.target.value)} required /></label>
        )}
        <label>{mode === 'recover' ? 'New password' : 'Password'}
          <input name="password" type="password" autoComplete={mode === 'signin' ? 'current-password' : 'new-password'} value={password} onChange={(e) => setPassword(e.target.value)} required minLength={mode === 'signin' ? 1 : 8} />
        </label>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="submit" disabled={isBusy}>{titles[mode]}</button>
        <div className="auth-links">
          {mode !== 'signin' && <button type="button" className="link" onClick={() => setMode('signin')}>I have an account</button>}
          {mode !== 'signup' && isSignUpOpen && <button type="button" className="link" onClick={() => setMode('signup')}>Create an account</button>}
          {mode !== 'recover' && <button type="button" className="link" onClick={() => setMode('recover')}>Forgot password?</button>}
        </div>
        {mode === 'signup' && <p className="hint">Your history is encrypted with your password. Forget it and the history is lost, unless you keep the recovery key shown next.</p>}
      </form>
    </div>
  );
}
