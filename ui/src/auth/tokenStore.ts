// The bearer token of the signed-in admin and the reason for the last
// sign-out. "Remember me" keeps the token in localStorage so it survives a
// browser restart; otherwise it lives in sessionStorage and dies with the tab.

const TOKEN_KEY = 'opendray.token';
const EXPIRES_KEY = 'opendray.token_expires_at';
const SIGNED_OUT_REASON_KEY = 'opendray.signed_out_reason';

export interface AuthSnapshot {
  token: string | null;
  expiresAt: string | null;
  remembered: boolean;
  // Reason the last sign-in ended without the user signing out, shown on
  // the login page. Null after an explicit sign-out or a fresh login.
  signedOutReason: string | null;
}

type Listener = () => void;

export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export class TokenStore {
  private readonly persistent: KeyValueStorage;
  private readonly perTab: KeyValueStorage;
  private readonly listeners = new Set<Listener>();
  private snapshot: AuthSnapshot;

  constructor(persistent: KeyValueStorage, perTab: KeyValueStorage) {
    this.persistent = persistent;
    this.perTab = perTab;
    this.snapshot = this.read();
  }

  getSnapshot = (): AuthSnapshot => this.snapshot;

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  token(): string | null {
    return this.snapshot.token;
  }

  // Stores a freshly issued token. `remember` picks localStorage over
  // sessionStorage; the other storage is cleared so only one copy exists.
  signIn(token: string, expiresAt: string, remember: boolean): void {
    const [keep, drop] = remember ? [this.persistent, this.perTab] : [this.perTab, this.persistent];
    drop.removeItem(TOKEN_KEY);
    drop.removeItem(EXPIRES_KEY);
    keep.setItem(TOKEN_KEY, token);
    keep.setItem(EXPIRES_KEY, expiresAt);
    this.perTab.removeItem(SIGNED_OUT_REASON_KEY);
    this.update();
  }

  // Replaces the token after a credentials change, in the storage the
  // current one came from.
  replaceToken(token: string, expiresAt: string): void {
    this.signIn(token, expiresAt, this.snapshot.remembered);
  }

  signOut(): void {
    this.clear();
    this.perTab.removeItem(SIGNED_OUT_REASON_KEY);
    this.update();
  }

  // Drops a token the server no longer accepts and records why, so the
  // login page can tell the user. Only the first reason is kept when several
  // requests fail at once.
  expire(reason: string): void {
    if (this.snapshot.token === null) {
      return;
    }
    this.clear();
    this.perTab.setItem(SIGNED_OUT_REASON_KEY, reason);
    this.update();
  }

  // Rereads the storages, for changes made by another tab.
  reload(): void {
    this.update();
  }

  private clear(): void {
    for (const storage of [this.persistent, this.perTab]) {
      storage.removeItem(TOKEN_KEY);
      storage.removeItem(EXPIRES_KEY);
    }
  }

  private read(): AuthSnapshot {
    const rememberedToken = this.persistent.getItem(TOKEN_KEY);
    const remembered = rememberedToken !== null;
    const storage = remembered ? this.persistent : this.perTab;
    return {
      token: storage.getItem(TOKEN_KEY),
      expiresAt: storage.getItem(EXPIRES_KEY),
      remembered,
      signedOutReason: this.perTab.getItem(SIGNED_OUT_REASON_KEY),
    };
  }

  private update(): void {
    this.snapshot = this.read();
    for (const listener of this.listeners) {
      listener();
    }
  }
}

export function memoryStorage(): KeyValueStorage {
  const values = new Map<string, string>();
  return {
    getItem: (key) => values.get(key) ?? null,
    setItem: (key, value) => void values.set(key, value),
    removeItem: (key) => void values.delete(key),
  };
}

// Storage can be missing or throw (private browsing, disabled cookies);
// the UI then keeps the token in memory for the life of the page.
function browserStorage(pick: () => Storage): KeyValueStorage {
  try {
    const storage = pick();
    const probe = 'opendray.probe';
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return storage;
  } catch {
    return memoryStorage();
  }
}

export const tokenStore =
  typeof window === 'undefined'
    ? new TokenStore(memoryStorage(), memoryStorage())
    : new TokenStore(
        browserStorage(() => window.localStorage),
        browserStorage(() => window.sessionStorage),
      );

// Another tab that signs in or out changes localStorage; follow it.
if (typeof window !== 'undefined') {
  window.addEventListener('storage', (event) => {
    if (event.key === TOKEN_KEY || event.key === null) {
      tokenStore.reload();
    }
  });
}
