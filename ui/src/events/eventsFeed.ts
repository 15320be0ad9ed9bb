import { signedOutMessage, websocketUrl } from '../api/client';
import { fetchMe } from '../api/endpoints';
import type { BusEvent } from '../api/types';
import { tokenStore } from '../auth/tokenStore';
import { LiveSocket, type LiveSocketPhase } from '../net/liveSocket';

// Opens the /api/v1/events feed of bus events (session.*, admin.*) and
// keeps it open until the returned function is called.
export function openEventsFeed(onEvent: (event: BusEvent) => void, onPhase: (phase: LiveSocketPhase) => void): () => void {
  const socket = new LiveSocket({
    url: () => {
      const token = tokenStore.token();
      return token === null ? null : websocketUrl('/events', { token });
    },
    onMessage: (message) => {
      if (message && typeof message === 'object' && typeof (message as BusEvent).type === 'string') {
        onEvent(message as BusEvent);
      }
    },
    onPhase: (phase) => onPhase(phase),
    onUnauthorized: (reason) => tokenStore.expire(signedOutMessage(reason)),
    checkToken: fetchMe,
  });
  socket.start();
  return () => socket.close();
}
