import { useCallback, useEffect, useRef, useState } from 'react';
import { signedOutMessage, websocketUrl } from '../api/client';
import { fetchLogs, fetchMe } from '../api/endpoints';
import type { LogRecord } from '../api/types';
import { tokenStore } from '../auth/tokenStore';
import { LiveSocket, type LiveSocketPhase } from '../net/liveSocket';
import { LogBuffer, type LogBufferState } from './logFilter';

// Records loaded before the live tail starts.
const INITIAL_RECORDS = 500;

export interface LogTail extends LogBufferState {
  phase: LiveSocketPhase;
  error: unknown;
  pause: () => void;
  resume: () => void;
  clear: () => void;
}

function isRecordMessage(message: unknown): message is { type: 'record'; record: LogRecord } {
  if (!message || typeof message !== 'object') return false;
  const value = message as { type?: unknown; record?: { seq?: unknown } };
  return value.type === 'record' && typeof value.record?.seq === 'number';
}

function isGapMessage(message: unknown): message is { type: 'gap'; missed: number } {
  if (!message || typeof message !== 'object') return false;
  const value = message as { type?: unknown; missed?: unknown };
  return value.type === 'gap' && typeof value.missed === 'number';
}

// Loads recent log records, then follows the live tail. After a reconnect
// the tail resumes after the last sequence number seen, and the buffer
// drops anything at or below it, so no record shows twice.
export function useLogTail(): LogTail {
  const bufferRef = useRef(new LogBuffer());
  const [snapshot, setSnapshot] = useState<LogBufferState>(() => bufferRef.current.state());
  const [phase, setPhase] = useState<LiveSocketPhase>('connecting');
  const [error, setError] = useState<unknown>(null);
  const frame = useRef(0);

  // Renders at most once per animation frame, however fast records come.
  const publish = useCallback(() => {
    if (frame.current !== 0) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = 0;
      setSnapshot(bufferRef.current.state());
    });
  }, []);

  useEffect(() => {
    const buffer = bufferRef.current;
    let since: number | null = null;
    let socket: LiveSocket | null = null;
    let cancelled = false;

    fetchLogs(INITIAL_RECORDS)
      .then(
        (page) => {
          buffer.add(page.records ?? []);
          since = page.last_seq;
          publish();
        },
        (failure: unknown) => setError(failure),
      )
      .finally(() => {
        if (cancelled) return;
        socket = new LiveSocket({
          url: () => {
            const token = tokenStore.token();
            if (token === null) return null;
            return websocketUrl('/logs/stream', { token, since: buffer.lastSequence() ?? since ?? undefined });
          },
          onMessage: (message) => {
            if (isRecordMessage(message)) {
              if (buffer.add([message.record])) publish();
            } else if (isGapMessage(message)) {
              buffer.addMissed(message.missed);
              publish();
            }
          },
          onPhase: (next) => setPhase(next),
          onUnauthorized: (reason) => tokenStore.expire(signedOutMessage(reason)),
          checkToken: fetchMe,
        });
        socket.start();
      });

    return () => {
      cancelled = true;
      socket?.close();
      cancelAnimationFrame(frame.current);
      frame.current = 0;
    };
  }, [publish]);

  const pause = useCallback(() => {
    bufferRef.current.pause();
    setSnapshot(bufferRef.current.state());
  }, []);
  const resume = useCallback(() => {
    bufferRef.current.resume();
    setSnapshot(bufferRef.current.state());
  }, []);
  const clear = useCallback(() => {
    bufferRef.current.clear();
    setSnapshot(bufferRef.current.state());
  }, []);

  return { ...snapshot, phase, error, pause, resume, clear };
}
