/** Signed out: the sign-in / sign-up / recovery forms. Signed in: the chat, after the recovery key is acknowledged. */
import { useEffect, useState } from 'react';
import { api, useSession, type Session } from './api.ts';
import { AuthView } from './AuthView.tsx';
import { ChatView } from './ChatView.tsx';

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [recoveryKey, setRecoveryKey] = useState<string | null>(null);

  const enter = (next: Session | null) => {
    useSession(next);
    setSession(next);
    setRecoveryKey(next?.recovery_key ?? null);
  };

  useEffect(() => {
    api.session().then(enter, () => enter(null));
  }, []);

  if (session === undefined) return <div className="splash">Loading…</div>;
  if (session === null) return <AuthView onSignedIn={enter} />;
  if (recoveryKey) {
    return (
      <div className="auth">
        <div className="card">
          <h1>Save your recovery key</h1>
          <p>Your conversations are encrypted with a key that only your password opens. If you forget the password, this recovery key is the only way back to your history. It is shown once.</p>
          <code className="recovery-key" data-testid="recovery-key">{recoveryKey}</code>
          <button type="button" onClick={() => setRecoveryKey(null)}>I saved it</button>
        </div>
      </div>
    );
  }
  return <ChatView session={session} onSignedOut={() => enter(null)} onSession={enter} />;
}
