import { useEffect, useState, type FormEvent } from 'react';
import { changeCredentials, fetchMe } from '../api/endpoints';
import type { Me } from '../api/types';
import { tokenStore } from '../auth/tokenStore';
import { ErrorNotice } from '../components/ErrorNotice';
import { formatTimestamp } from '../format/time';

// The gateway rejects shorter passwords; checking here saves a round trip.
export const MIN_PASSWORD_LENGTH = 8;

export function SettingsPage() {
  const [me, setMe] = useState<Me | null>(null);
  const [currentPassword, setCurrentPassword] = useState('');
  const [newUser, setNewUser] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [repeatPassword, setRepeatPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [success, setSuccess] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    fetchMe().then(setMe, () => {});
  }, []);

  const mismatch = repeatPassword !== '' && newPassword !== repeatPassword;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setSuccess(null);
    if (newPassword !== repeatPassword) {
      setError(new Error('The new passwords do not match.'));
      return;
    }
    if (newPassword.length < MIN_PASSWORD_LENGTH) {
      setError(new Error(`The new password must have at least ${MIN_PASSWORD_LENGTH} characters.`));
      return;
    }

    setBusy(true);
    try {
      const user = newUser.trim();
      const response = await changeCredentials({
        current_password: currentPassword,
        new_password: newPassword,
        ...(user ? { new_user: user } : {}),
      });
      tokenStore.replaceToken(response.token, response.expires_at);
      setCurrentPassword('');
      setNewUser('');
      setNewPassword('');
      setRepeatPassword('');
      setSuccess('Credentials changed. Every other signed-in browser and app has been signed out.');
      fetchMe().then(setMe, () => {});
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="page page-settings">
      <h1>Settings</h1>
      {me && (
        <p className="muted">
          Signed in as <strong>{me.user}</strong> ({me.kind} token, expires {formatTimestamp(me.expires_at)}).
        </p>
      )}
      <form className="card settings-form" onSubmit={submit} aria-labelledby="credentials-title">
        <h2 id="credentials-title">Change credentials</h2>
        <p className="muted">Changing them signs out every other browser and app that uses a token.</p>
        <ErrorNotice error={error} />
        {success && (
          <div className="notice notice-ok" role="status">
            {success}
          </div>
        )}
        <label className="field">
          <span>Current password</span>
          <input
            name="current_password"
            type="password"
            autoComplete="current-password"
            required
            value={currentPassword}
            onChange={(event) => setCurrentPassword(event.target.value)}
          />
        </label>
        <label className="field">
          <span>New user name</span>
          <input
            name="new_user"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            placeholder={me ? `keep "${me.user}"` : 'keep the current one'}
            value={newUser}
            onChange={(event) => setNewUser(event.target.value)}
          />
        </label>
        <label className="field">
          <span>New password</span>
          <input
            name="new_password"
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_PASSWORD_LENGTH}
            value={newPassword}
            onChange={(event) => setNewPassword(event.target.value)}
          />
        </label>
        <label className="field">
          <span>Repeat new password</span>
          <input
            name="repeat_password"
            type="password"
            autoComplete="new-password"
            required
            aria-invalid={mismatch}
            value={repeatPassword}
            onChange={(event) => setRepeatPassword(event.target.value)}
          />
          {mismatch && <span className="field-error">The passwords do not match.</span>}
        </label>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Change credentials'}
          </button>
        </div>
      </form>
    </section>
  );
}
