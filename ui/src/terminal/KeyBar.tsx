import type { SyntheticEvent } from 'react';
import type { KeyBarKey } from './keys';

const KEYS: { key: KeyBarKey; label: string; name: string }[] = [
  { key: 'esc', label: 'Esc', name: 'Escape' },
  { key: 'tab', label: 'Tab', name: 'Tab' },
  { key: 'left', label: '←', name: 'Left arrow' },
  { key: 'up', label: '↑', name: 'Up arrow' },
  { key: 'down', label: '↓', name: 'Down arrow' },
  { key: 'right', label: '→', name: 'Right arrow' },
  { key: 'enter', label: '⏎', name: 'Enter' },
];

// Keeps the focus (and the phone keyboard) on the terminal when a key is
// tapped.
function keepFocus(event: SyntheticEvent) {
  event.preventDefault();
}

interface KeyBarProps {
  ctrlArmed: boolean;
  onToggleCtrl: () => void;
  onKey: (key: KeyBarKey) => void;
}

// Keys that phone keyboards lack, shown under the terminal. Ctrl is sticky:
// it applies to the next key, from this bar or from the keyboard.
export function KeyBar({ ctrlArmed, onToggleCtrl, onKey }: KeyBarProps) {
  return (
    <div className="keybar" role="toolbar" aria-label="Terminal keys">
      <button
        type="button"
        className={ctrlArmed ? 'key key-armed' : 'key'}
        aria-pressed={ctrlArmed}
        aria-label="Control (applies to the next key)"
        onPointerDown={keepFocus}
        onMouseDown={keepFocus}
        onClick={onToggleCtrl}
      >
        Ctrl
      </button>
      {KEYS.map(({ key, label, name }) => (
        <button
          key={key}
          type="button"
          className="key"
          aria-label={name}
          onPointerDown={keepFocus}
          onMouseDown={keepFocus}
          onClick={() => onKey(key)}
        >
          {label}
        </button>
      ))}
    </div>
  );
}
