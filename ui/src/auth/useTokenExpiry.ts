import { useEffect } from 'react';
import { tokenStore } from './tokenStore';
import { useAuth } from './useAuth';

// setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days),
// and mobile tokens may live longer, so long waits are split.
const MAX_TIMER_MS = 2 ** 31 - 1;

// Signs the user out when the token reaches its expiry time, so an idle page
// does not keep showing data the server would no longer serve.
export function useTokenExpiry(): void {
  const { token, expiresAt } = useAuth();

  useEffect(() => {
    if (token === null || expiresAt === null) {
      return;
    }
    const deadline = Date.parse(expiresAt);
    if (Number.isNaN(deadline)) {
      return;
    }

    let timer: ReturnType<typeof setTimeout>;
    const check = () => {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        tokenStore.expire(`Your sign-in expired at ${new Date(deadline).toLocaleString()}. Sign in again.`);
        return;
      }
      timer = setTimeout(check, Math.min(remaining, MAX_TIMER_MS));
    };
    check();
    return () => clearTimeout(timer);
  }, [token, expiresAt]);
}
