import { FitAddon } from '@xterm/addon-fit';
import { Unicode11Addon } from '@xterm/addon-unicode11';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal, type ITheme } from '@xterm/xterm';

// System monospace fonts only: the admin UI loads nothing from other hosts.
export const TERMINAL_FONT_FAMILY =
  '"JetBrains Mono", "Cascadia Mono", "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", "Noto Sans Mono", monospace';

const THEME: ITheme = {
  background: '#0b0e12',
  foreground: '#d7dde5',
  cursor: '#e6edf3',
  cursorAccent: '#0b0e12',
  selectionBackground: '#3a5a85',
  black: '#1b1f24',
  red: '#f0737b',
  green: '#8fcf7a',
  yellow: '#e5c07b',
  blue: '#6cb1f5',
  magenta: '#d197f0',
  cyan: '#63d1d9',
  white: '#cdd3da',
  brightBlack: '#5c6670',
  brightRed: '#ff8f96',
  brightGreen: '#a9e394',
  brightYellow: '#f2d596',
  brightBlue: '#92c7ff',
  brightMagenta: '#e2b3ff',
  brightCyan: '#88e5eb',
  brightWhite: '#f4f7fa',
};

export type RendererKind = 'webgl' | 'dom';

export interface TerminalHandle {
  terminal: Terminal;
  fit: FitAddon;
  renderer: () => RendererKind;
  dispose: () => void;
}

function webglAvailable(): boolean {
  try {
    const canvas = document.createElement('canvas');
    return canvas.getContext('webgl2') !== null;
  } catch {
    return false;
  }
}

// Creates an xterm.js terminal in `container`: fit to the container,
// Unicode 11 widths for emoji and CJK, the WebGL renderer where the browser
// offers WebGL2 and the DOM renderer otherwise (also after a lost WebGL
// context). Screen reader mode keeps the screen text in an accessible DOM
// tree, which browser tests read as well.
export function createTerminal(container: HTMLElement, fontSize: number): TerminalHandle {
  const terminal = new Terminal({
    // The Unicode 11 addon uses the proposed unicode API.
    allowProposedApi: true,
    screenReaderMode: true,
    fontFamily: TERMINAL_FONT_FAMILY,
    fontSize,
    cursorBlink: true,
    scrollback: 10_000,
    theme: THEME,
    macOptionIsMeta: true,
  });

  const fit = new FitAddon();
  terminal.loadAddon(fit);
  terminal.loadAddon(new Unicode11Addon());
  terminal.unicode.activeVersion = '11';
  terminal.open(container);

  let renderer: RendererKind = 'dom';
  if (webglAvailable()) {
    try {
      const webgl = new WebglAddon();
      webgl.onContextLoss(() => {
        webgl.dispose();
        renderer = 'dom';
      });
      terminal.loadAddon(webgl);
      renderer = 'webgl';
    } catch {
      renderer = 'dom';
    }
  }

  return {
    terminal,
    fit,
    renderer: () => renderer,
    dispose: () => terminal.dispose(),
  };
}
