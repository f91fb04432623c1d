/**
 * The administrator's page: who may sign up, how long anything is kept, the limits new accounts start
 * with, and every account with its usage, its limits, and disable, enable and delete.
 */
import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { ArrowLeft, Ban, CircleCheck, SlidersHorizontal, Trash2 } from 'lucide-react';
import { api, type Account, type AdminSettings, type Limits } from './api.ts';
import { IconButton } from './IconButton.tsx';

const RETENTION_CHOICES: Array<[string, number | null]> = [['No maximum', null], ['1 day', 1], ['7 days', 7], ['30 days', 30], ['90 days', 90], ['1 year', 365]];
const LIMIT_FIELDS: Array<[keyof Limits, string]> = [['rpm', 'Requests per minute'], ['tpm', 'Tokens per minute'], ['max_concurrency', 'Concurrent requests'], ['budget_tokens', 'Token budget']];
const number = new Intl.NumberFormat('en');

const limitsText = (limits: Limits | null) => {
  const set = LIMIT_FIELDS.filter(([field]) => limits?.[field] != null).map(([field, label]) => `${label}: ${number.format(limits![field]!)}`);
  return set.length > 0 ? set.join(' · ') : 'No limits';
};

/** Blank means no limit; anything else must be a positive whole number. */
function LimitsForm({ limits, submitLabel, onSubmit }: { limits: Limits | null; submitLabel: string; onSubmit: (limits: Limits) => Promise<void> }) {
  const [values, setValues] = useState(() => Object.fromEntries(LIMIT_FIELDS.map(([field]) => [field, limits?.[field]?.toString() ?? ''])) as Record<keyof Limits, string>);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void onSubmit(Object.fromEntries(LIMIT_FIELDS.map(([field]) => [field, values[field].trim() === '' ? null : Number(values[field])])) as unknown as Limits);
  };
  return (
    <form className="limits" onSubmit={submit}>
      {LIMIT_FIELDS.map(([field, label]) => (
        <label key={field}>{label}
          <input type="number" min={1} step={1} placeholder="No limit" aria-label={label} value={values[field]} onChange={(e) => setValues({ ...values, [field]: e.target.value })} />
        </label>
      ))}
      <button type="submit">{submitLabel}</button>
    </form>
  );
}

function AccountRow({ account, onChange, onError }: { account: Account; onChange: () => void; onError: (message: string) => void }) {
  const [isEditing, setEditing] = useState(false);
  const [isConfirming, setConfirming] = useState(false);
  const act = (work: () => Promise<unknown>) => work().then(onChange, (caught: Error) => onError(caught.message));
  const { usage } = account;
  return (
    <li className="account" data-testid="account" data-username={account.username}>
      <div className="account-head">
        <strong>{account.username}</strong>
        {account.is_admin && <span className="badge">Administrator</span>}
        {account.is_disabled && <span className="badge danger" data-testid="disabled-badge">Disabled</span>}
        <span className="spacer" />
        <IconButton icon={SlidersHorizontal} label={`Limits of ${account.username}`} className="quiet" isPressed={isEditing} onClick={() => setEditing(!isEditing)} />
        {account.is_disabled
          ? <IconButton icon={CircleCheck} label={`Enable ${account.username}`} className="quiet" onClick={() => void act(() => api.setDisabled(account.username, false))} />
          : <IconButton icon={Ban} label={`Disable ${account.username}`} className="quiet" onClick={() => void act(() => api.setDisabled(account.username, true))} />}
        {isConfirming ? (
          <>
            <button type="button" className="small danger" onClick={() => void act(() => api.deleteAccountAsAdmin(account.username))}>Delete {account.username} and their history</button>
            <button type="button" className="small" onClick={() => setConfirming(false)}>Keep</button>
          </>
        ) : <IconButton icon={Trash2} label={`Delete ${account.username}`} className="quiet" onClick={() => setConfirming(true)} />}
      </div>
      <dl className="account-facts">
        <div><dt>Since</dt><dd>{new Date(account.created_at).toLocaleDateString()}</dd></div>
        <div><dt>Requests</dt><dd data-testid="requests">{number.format(usage.requests)}</dd></div>
        <div><dt>Tokens in / out</dt><dd>{number.format(usage.prompt_tokens)} / {number.format(usage.completion_tokens)}</dd></div>
        <div><dt>Budget spent</dt><dd>{number.format(account.spent_tokens)}{account.limits?.budget_tokens != null && ` of ${number.format(account.limits.budget_tokens)}`}</dd></div>
        <div className="wide"><dt>Limits</dt><dd data-testid="limits">{limitsText(account.limits)}</dd></div>
      </dl>
      {isEditing && <LimitsForm limits={account.limits} submitLabel="Save limits" onSubmit={(limits) => act(async () => { await api.setLimits(account.username, limits); setEditing(false); })} />}
    </li>
  );
}

export function AdminView({ onBack, menuButton }: { onBack: () => void; menuButton: ReactNode }) {
  const [settings, setSettings] = useState<AdminSettings | null>(null);
  const [accounts, setAccounts] = useState<Account[]>([]);
  const [message, setMessage] = useState('');
  const load = useCallback(() => {
    api.adminSettings().then(setSettings, (caught: Error) => setMessage(caught.message));
    api.accounts().then((list) => setAccounts(list.data), (caught: Error) => setMessage(caught.message));
  }, []);
  useEffect(load, [load]);
  const update = (change: Parameters<typeof api.setAdminSettings>[0], done: string) =>
    api.setAdminSettings(change).then((next) => { setSettings(next); setMessage(done); }, (caught: Error) => { setMessage(caught.message); load(); });
  /** Shown switched at once; the server's answer confirms it, or a failure reloads what holds. */
  const setSignUpOpen = (isOpen: boolean) => {
    setSettings({ ...settings!, is_sign_up_open: isOpen, is_sign_up_open_now: isOpen });
    void update({ is_sign_up_open: isOpen }, isOpen ? 'Sign-up is open' : 'Sign-up is closed');
  };

  return (
    <main className="chat admin" aria-label="Administration">
      <header className="row">
        {menuButton}
        <IconButton icon={ArrowLeft} label="Back to chat" onClick={onBack} />
        <h1>Administration</h1>
      </header>
      <div className="admin-body">
        {message && <p className="notice" role="status">{message}</p>}
        {settings && (
          <section className="card-section">
            <h2>Sign-up and retention</h2>
            <label className="check">
              <input type="checkbox" role="switch" aria-label="Anyone may sign up" checked={settings.is_sign_up_open_now} onChange={(e) => setSignUpOpen(e.target.checked)} />
              Anyone may sign up {settings.is_sign_up_open === null && <span className="hint">(following the server's default)</span>}
            </label>
            <label>Longest retention for everyone
              <select aria-label="Maximum retention" value={String(settings.max_retention_days)} onChange={(e) => void update({ max_retention_days: e.target.value === 'null' ? null : Number(e.target.value) }, 'Retention saved')}>
                {RETENTION_CHOICES.map(([label, days]) => <option key={label} value={String(days)}>{label}</option>)}
              </select>
            </label>
            <h3>Limits for new accounts</h3>
            <LimitsForm key={JSON.stringify(settings.default_limits)} limits={settings.default_limits} submitLabel="Save default limits" onSubmit={(limits) => update({ default_limits: limits }, 'Default limits saved')} />
          </section>
        )}
        <section className="card-section">
          <h2>Accounts <span className="hint">({accounts.length})</span></h2>
          <ul className="accounts">
            {accounts.map((account) => <AccountRow key={account.username} account={account} onChange={() => { setMessage(''); load(); }} onError={setMessage} />)}
          </ul>
        </section>
      </div>
    </main>
  );
}
