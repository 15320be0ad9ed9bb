import { useEffect, useState, type FormEvent } from 'react';
import { createSession, listProviders } from '../api/endpoints';
import type { CreateSessionRequest, Provider, Session } from '../api/types';
import { ErrorNotice } from '../components/ErrorNotice';
import { splitArgs } from './commandLine';

const CUSTOM_PROVIDER = 'custom';

// The form that starts a new session. Providers whose command is not
// installed on the host are listed but cannot be picked.
export function CreateSessionForm({ onCreated }: { onCreated: (session: Session) => void }) {
  const [providers, setProviders] = useState<Provider[] | null>(null);
  const [providerError, setProviderError] = useState<unknown>(null);
  const [provider, setProvider] = useState('');
  const [name, setName] = useState('');
  const [cwd, setCwd] = useState('');
  const [command, setCommand] = useState('');
  const [args, setArgs] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // On a phone the form starts folded, so the session list is in view.
  const [expanded, setExpanded] = useState(() => !window.matchMedia('(max-width: 600px)').matches);

  useEffect(() => {
    let cancelled = false;
    listProviders().then(
      (list) => {
        if (cancelled) return;
        setProviders(list.providers);
        const first = list.providers.find((candidate) => candidate.installed);
        setProvider((current) => current || (first?.id ?? ''));
      },
      (failure: unknown) => {
        if (!cancelled) setProviderError(failure);
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  const isCustom = provider === CUSTOM_PROVIDER;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);

    const request: CreateSessionRequest = { provider };
    if (name.trim()) request.name = name.trim();
    if (cwd.trim()) request.cwd = cwd.trim();
    if (isCustom) {
      if (!command.trim()) {
        setError(new Error('A custom session needs a command.'));
        return;
      }
      request.command = command.trim();
      try {
        request.args = splitArgs(args);
      } catch (failure) {
        setError(failure);
        return;
      }
    }

    setBusy(true);
    try {
      const session = await createSession(request);
      setName('');
      onCreated(session);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card create-form" onSubmit={submit} aria-labelledby="create-title">
      <h2 id="create-title">
        <button type="button" className="fold-toggle" aria-expanded={expanded} aria-controls="create-fields" onClick={() => setExpanded(!expanded)}>
          <span aria-hidden="true">{expanded ? '▾' : '▸'}</span> New session
        </button>
      </h2>
      <div id="create-fields" hidden={!expanded}>
        <ErrorNotice error={providerError} />
        <ErrorNotice error={error} onDismiss={() => setError(null)} />
        <div className="form-grid">
          <label className="field">
            <span>Provider</span>
            <select name="provider" value={provider} onChange={(event) => setProvider(event.target.value)} required>
              {providers === null && <option value="">Loading…</option>}
              {providers?.map((candidate) => (
                <option key={candidate.id} value={candidate.id} disabled={!candidate.installed}>
                  {candidate.name || candidate.id}
                  {candidate.installed ? '' : ' (not installed)'}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Name</span>
            <input name="name" placeholder="optional" value={name} onChange={(event) => setName(event.target.value)} />
          </label>
          <label className="field field-wide">
            <span>Working directory</span>
            <input
              name="cwd"
              placeholder="server default"
              autoCapitalize="none"
              spellCheck={false}
              value={cwd}
              onChange={(event) => setCwd(event.target.value)}
            />
          </label>
          {isCustom && (
            <>
              <label className="field">
                <span>Command</span>
                <input
                  name="command"
                  placeholder="/usr/bin/htop"
                  autoCapitalize="none"
                  spellCheck={false}
                  required
                  value={command}
                  onChange={(event) => setCommand(event.target.value)}
                />
              </label>
              <label className="field">
                <span>Arguments</span>
                <input
                  name="args"
                  placeholder={'-d 10 "quoted arg"'}
                  autoCapitalize="none"
                  spellCheck={false}
                  value={args}
                  onChange={(event) => setArgs(event.target.value)}
                />
              </label>
            </>
          )}
        </div>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy || !provider}>
            {busy ? 'Starting…' : 'Start session'}
          </button>
        </div>
      </div>
    </form>
  );
}
