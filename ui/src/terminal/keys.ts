// Byte sequences for the keys a phone keyboard lacks, and the sticky Ctrl
// modifier of the key bar under the terminal.

export type ArrowKey = 'up' | 'down' | 'right' | 'left';
export type KeyBarKey = 'esc' | 'tab' | 'enter' | ArrowKey;

const ARROW_FINAL_BYTE: Record<ArrowKey, string> = { up: 'A', down: 'B', right: 'C', left: 'D' };

export interface CursorMode {
  // DECCKM: when a program (vim, less, readline in some setups) switches
  // the cursor keys to application mode, arrows are sent as SS3 sequences.
  applicationCursor: boolean;
}

// Returns the sequence an xterm-compatible terminal sends for an arrow key.
// Ctrl+arrow uses the modifier form CSI 1;5 X in both cursor modes.
export function arrowSequence(key: ArrowKey, mode: CursorMode, ctrl = false): string {
  const final = ARROW_FINAL_BYTE[key];
  if (ctrl) {
    return `\x1b[1;5${final}`;
  }
  return mode.applicationCursor ? `\x1bO${final}` : `\x1b[${final}`;
}

// Control codes for the non-letter keys, as xterm maps Ctrl plus that key.
const CONTROL_SYMBOLS: Record<string, number> = {
  '@': 0x00,
  ' ': 0x00,
  '2': 0x00,
  '[': 0x1b,
  '3': 0x1b,
  '\\': 0x1c,
  '4': 0x1c,
  ']': 0x1d,
  '5': 0x1d,
  '^': 0x1e,
  '6': 0x1e,
  '~': 0x1e,
  '_': 0x1f,
  '-': 0x1f,
  '7': 0x1f,
  '/': 0x1f,
  '?': 0x7f,
  '8': 0x7f,
};

// Returns the control character for Ctrl plus `key` (Ctrl-C is "\x03"), or
// null when Ctrl has no meaning for that key.
export function controlCode(key: string): string | null {
  if (key.length !== 1) {
    return null;
  }
  const code = key.charCodeAt(0);
  if (code >= 0x61 && code <= 0x7a) {
    return String.fromCharCode(code - 0x60);
  }
  if (code >= 0x41 && code <= 0x5a) {
    return String.fromCharCode(code - 0x40);
  }
  const symbol = CONTROL_SYMBOLS[key];
  return symbol === undefined ? null : String.fromCharCode(symbol);
}

// The key bar's modifier state. Ctrl is sticky: tapping it arms it, and the
// next key, from the bar or from the phone keyboard, is sent with Ctrl and
// disarms it. Tapping Ctrl again disarms it without sending anything.
export class KeyBarModifier {
  private armed = false;
  private readonly onChange: (armed: boolean) => void;

  constructor(onChange: (armed: boolean) => void = () => {}) {
    this.onChange = onChange;
  }

  get ctrlArmed(): boolean {
    return this.armed;
  }

  toggleCtrl(): void {
    this.setArmed(!this.armed);
  }

  // Returns the bytes for a key bar button.
  press(key: KeyBarKey, mode: CursorMode): string {
    const ctrl = this.consume();
    switch (key) {
      case 'esc':
        return '\x1b';
      case 'tab':
        return '\t';
      case 'enter':
        return '\r';
      default:
        return arrowSequence(key, mode, ctrl);
    }
  }

  // Rewrites input from the terminal (typed keys, IME text, paste) while
  // Ctrl is armed. A single character becomes its control code; longer
  // input such as a paste passes unchanged, and either way Ctrl disarms.
  applyToInput(data: string): string {
    if (!this.consume()) {
      return data;
    }
    return controlCode(data) ?? data;
  }

  private consume(): boolean {
    const wasArmed = this.armed;
    this.setArmed(false);
    return wasArmed;
  }

  private setArmed(armed: boolean): void {
    if (this.armed !== armed) {
      this.armed = armed;
      this.onChange(armed);
    }
  }
}
