import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import { ApiError, signedOutMessage, websocketUrl } from '../api/client';
import { fetchSession } from '../api/endpoints';
import { tokenStore } from '../auth/tokenStore';
import { copyText, readClipboardText } from './clipboard';
import { createTerminal, type RendererKind, type TerminalHandle } from './createTerminal';
import { KeyBarModifier, type KeyBarKey } from './keys';
import { StreamConnection, type AccessCheck } from './streamConnection';
import type { StreamStatus } from './streamMachine';

export interface TerminalSession {
  status: StreamStatus | null;
  size: { cols: number; rows: number } | null;
  renderer: RendererKind | null;
  ctrlArmed: boolean;
  pressKey: (key: KeyBarKey) => void;
  toggleCtrl: () => void;
  copySelection: () => Promise<boolean>;
  paste: () => Promise<boolean>;
  retry: () => void;
  focus: () => void;
}

const encoder = new TextEncoder();

function noticeLine(text: string): string {
  // Dim yellow on its own line, to set it apart from the session output.
  return `\r\n\x1b[2;33m[opendray] ${text}\x1b[0m\r\n`;
}

async function checkAccess(sessionId: string): Promise<AccessCheck> {
  try {
    await fetchSession(sessionId);
    return 'ok';
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      // apiRequest has already dropped the token.
      return 'unauthorized';
    }
    if (error instanceof ApiError && error.status === 404) {
      return 'not-found';
    }
    return 'ok';
  }
}

// Mounts an xterm.js terminal into `containerRef` and attaches it to the
// session's output stream until the component unmounts or the session id
// changes. Font size changes refit the terminal without reconnecting.
export function useTerminalSession(containerRef: RefObject<HTMLDivElement | null>, sessionId: string, fontSize: number): TerminalSession {
  const [status, setStatus] = useState<StreamStatus | null>(null);
  const [size, setSize] = useState<{ cols: number; rows: number } | null>(null);
  const [renderer, setRenderer] = useState<RendererKind | null>(null);
  const [ctrlArmed, setCtrlArmed] = useState(false);
  const handleRef = useRef<TerminalHandle | null>(null);
  const connectionRef = useRef<StreamConnection | null>(null);
  const [modifier] = useState(() => new KeyBarModifier(setCtrlArmed));
  const fontSizeRef = useRef(fontSize);
  fontSizeRef.current = fontSize;

  useEffect(() => {
    const container = containerRef.current;
    if (container === null) {
      return;
    }

    const handle = createTerminal(container, fontSizeRef.current);
    const { terminal, fit } = handle;
    handleRef.current = handle;
    setRenderer(handle.renderer());

    const connection = new StreamConnection({
      url: (params) => websocketUrl(`/sessions/${encodeURIComponent(sessionId)}/stream`, params),
      token: () => tokenStore.token(),
      checkAccess: () => checkAccess(sessionId),
      sink: {
        write: (data, done) => terminal.write(data, done),
        notice: (text) => terminal.write(noticeLine(text)),
        status: setStatus,
        unauthorized: (reason) => tokenStore.expire(signedOutMessage(reason)),
      },
    });
    connectionRef.current = connection;

    const inputs = [
      terminal.onData((data) => {
        connection.sendInput(encoder.encode(modifier.applyToInput(data)));
      }),
      // Some mouse reports are sent as binary strings, one byte per char.
      terminal.onBinary((data) => {
        connection.sendInput(Uint8Array.from(data, (char) => char.charCodeAt(0) & 0xff));
      }),
      terminal.onResize(({ cols, rows }) => {
        setSize({ cols, rows });
        connection.resize(cols, rows);
      }),
    ];

    // Ctrl+Shift+C copies the selection; Ctrl+Shift+V is left to the
    // browser, whose paste event xterm.js turns into input.
    terminal.attachCustomKeyEventHandler((event) => {
      if (event.type !== 'keydown' || !event.ctrlKey || !event.shiftKey) {
        return true;
      }
      if (event.code === 'KeyC') {
        void copyText(terminal.getSelection());
        return false;
      }
      return event.code !== 'KeyV';
    });

    fit.fit();
    setSize({ cols: terminal.cols, rows: terminal.rows });
    connection.resize(terminal.cols, terminal.rows);

    // Refit when the container changes size: window resize, phone rotation,
    // the on-screen keyboard, or a font change. One fit per frame.
    let frame = 0;
    const observer = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (container.clientWidth > 0 && container.clientHeight > 0) {
          fit.fit();
        }
      });
    });
    observer.observe(container);

    const onOnline = () => connection.retryNow();
    window.addEventListener('online', onOnline);

    connection.start();
    terminal.focus();

    return () => {
      window.removeEventListener('online', onOnline);
      observer.disconnect();
      cancelAnimationFrame(frame);
      connection.close();
      for (const subscription of inputs) {
        subscription.dispose();
      }
      handle.dispose();
      handleRef.current = null;
      connectionRef.current = null;
    };
  }, [containerRef, sessionId, modifier]);

  useEffect(() => {
    const handle = handleRef.current;
    if (handle === null || handle.terminal.options.fontSize === fontSize) {
      return;
    }
    handle.terminal.options.fontSize = fontSize;
    handle.fit.fit();
  }, [fontSize]);

  const pressKey = useCallback((key: KeyBarKey) => {
    const handle = handleRef.current;
    const connection = connectionRef.current;
    if (handle === null || connection === null) {
      return;
    }
    const bytes = modifier.press(key, { applicationCursor: handle.terminal.modes.applicationCursorKeysMode });
    connection.sendInput(encoder.encode(bytes));
  }, [modifier]);

  const toggleCtrl = useCallback(() => modifier.toggleCtrl(), [modifier]);

  const copySelection = useCallback(async () => {
    const handle = handleRef.current;
    return handle === null ? false : copyText(handle.terminal.getSelection());
  }, []);

  const paste = useCallback(async () => {
    const handle = handleRef.current;
    const text = await readClipboardText();
    if (handle === null) {
      return false;
    }
    if (text === null) {
      handle.terminal.write(noticeLine('The browser does not allow reading the clipboard here; use its paste shortcut or menu.'));
      return false;
    }
    // paste() applies bracketed paste mode when the program asked for it.
    handle.terminal.paste(text);
    return true;
  }, []);

  const retry = useCallback(() => connectionRef.current?.retryNow(), []);
  const focus = useCallback(() => handleRef.current?.terminal.focus(), []);

  return { status, size, renderer, ctrlArmed, pressKey, toggleCtrl, copySelection, paste, retry, focus };
}
