import { useCallback, useEffect, useRef, useState } from 'react';
import { listSessions } from '../api/endpoints';
import type { Session } from '../api/types';
import { openEventsFeed } from '../events/eventsFeed';
import type { LiveSocketPhase } from '../net/liveSocket';
import { applyIdleEvent, type IdleSinceMap } from './idle';
import { patchSessions } from './sessionEvents';

// Coalesces the refetches that a burst of events would cause.
const REFETCH_DELAY_MS = 250;

export interface SessionListState {
  sessions: Session[] | null;
  error: unknown;
  idleEvents: IdleSinceMap;
  feedPhase: LiveSocketPhase;
  refresh: () => void;
}

// Loads the session list and keeps it current from the events feed: each
// session event patches the list at once and schedules a refetch.
export function useSessionList(): SessionListState {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [idleEvents, setIdleEvents] = useState<IdleSinceMap>(new Map());
  const [feedPhase, setFeedPhase] = useState<LiveSocketPhase>('connecting');
  const refetchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const inFlight = useRef<AbortController | null>(null);

  const refresh = useCallback(() => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    listSessions(controller.signal).then(
      (list) => {
        setSessions(list.sessions ?? []);
        setError(null);
      },
      (failure: unknown) => {
        if (!controller.signal.aborted) {
          setError(failure);
        }
      },
    );
  }, []);

  const scheduleRefresh = useCallback(() => {
    if (refetchTimer.current !== null) {
      clearTimeout(refetchTimer.current);
    }
    refetchTimer.current = setTimeout(() => {
      refetchTimer.current = null;
      refresh();
    }, REFETCH_DELAY_MS);
  }, [refresh]);

  useEffect(() => {
    refresh();
    let wasLive = false;
    const close = openEventsFeed(
      (event) => {
        if (!event.type.startsWith('session.')) {
          return;
        }
        setSessions((current) => (current === null ? current : patchSessions(current, event)));
        setIdleEvents((current) => applyIdleEvent(current, event));
        scheduleRefresh();
      },
      (phase) => {
        setFeedPhase(phase);
        // Events may have been missed while the feed was down.
        if (phase === 'live' && wasLive) {
          scheduleRefresh();
        }
        if (phase === 'live') {
          wasLive = true;
        }
      },
    );
    return () => {
      close();
      inFlight.current?.abort();
      if (refetchTimer.current !== null) {
        clearTimeout(refetchTimer.current);
      }
    };
  }, [refresh, scheduleRefresh]);

  return { sessions, error, idleEvents, feedPhase, refresh };
}
