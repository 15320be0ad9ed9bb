import { useSyncExternalStore } from 'react';
import { tokenStore, type AuthSnapshot } from './tokenStore';

// Re-renders the caller whenever the token is stored, replaced or dropped.
export function useAuth(): AuthSnapshot {
  return useSyncExternalStore(tokenStore.subscribe, tokenStore.getSnapshot);
}
