import { describe, expect, it } from 'vitest';
import { memoryStorage, TokenStore } from './tokenStore';

describe('TokenStore', () => {
  it('keeps a remembered token in persistent storage only', () => {
    const persistent = memoryStorage();
    const perTab = memoryStorage();
    const store = new TokenStore(persistent, perTab);
    store.signIn('t1', '2026-01-02T00:00:00Z', true);
    expect(persistent.getItem('opendray.token')).toBe('t1');
    expect(perTab.getItem('opendray.token')).toBeNull();
    expect(store.getSnapshot()).toMatchObject({ token: 't1', remembered: true });
  });

  it('keeps an unremembered token per tab only', () => {
    const persistent = memoryStorage();
    const perTab = memoryStorage();
    const store = new TokenStore(persistent, perTab);
    store.signIn('t1', 'x', true);
    store.signIn('t2', 'x', false);
    expect(persistent.getItem('opendray.token')).toBeNull();
    expect(perTab.getItem('opendray.token')).toBe('t2');
    expect(store.token()).toBe('t2');
  });

  it('replaces the token in the same storage', () => {
    const persistent = memoryStorage();
    const store = new TokenStore(persistent, memoryStorage());
    store.signIn('old', 'x', true);
    store.replaceToken('new', 'y');
    expect(persistent.getItem('opendray.token')).toBe('new');
    expect(store.getSnapshot().expiresAt).toBe('y');
  });

  it('records why a token expired, once', () => {
    const store = new TokenStore(memoryStorage(), memoryStorage());
    let notified = 0;
    store.subscribe(() => (notified += 1));
    store.signIn('t', 'x', false);
    store.expire('revoked');
    store.expire('second reason');
    expect(store.getSnapshot()).toMatchObject({ token: null, signedOutReason: 'revoked' });
    expect(notified).toBe(2);

    store.signIn('t2', 'x', false);
    expect(store.getSnapshot().signedOutReason).toBeNull();
  });

  it('clears the reason on an explicit sign-out', () => {
    const store = new TokenStore(memoryStorage(), memoryStorage());
    store.signIn('t', 'x', true);
    store.signOut();
    expect(store.getSnapshot()).toMatchObject({ token: null, signedOutReason: null });
  });
});
