import { describe, expect, it } from 'vitest';
import { arrowSequence, controlCode, KeyBarModifier } from './keys';

const normal = { applicationCursor: false };
const application = { applicationCursor: true };

describe('controlCode', () => {
  it.each([
    ['a', '\x01'],
    ['c', '\x03'],
    ['C', '\x03'],
    ['d', '\x04'],
    ['z', '\x1a'],
    ['Z', '\x1a'],
    ['@', '\x00'],
    [' ', '\x00'],
    ['[', '\x1b'],
    ['\\', '\x1c'],
    [']', '\x1d'],
    ['^', '\x1e'],
    ['_', '\x1f'],
    ['?', '\x7f'],
  ])('maps Ctrl+%j to its control code', (key, expected) => {
    expect(controlCode(key)).toBe(expected);
  });

  it('has no control code for other keys', () => {
    expect(controlCode('é')).toBeNull();
    expect(controlCode('ab')).toBeNull();
    expect(controlCode('')).toBeNull();
    expect(controlCode('!')).toBeNull();
  });
});

describe('arrowSequence', () => {
  it('uses CSI sequences in normal cursor mode', () => {
    expect(arrowSequence('up', normal)).toBe('\x1b[A');
    expect(arrowSequence('down', normal)).toBe('\x1b[B');
    expect(arrowSequence('right', normal)).toBe('\x1b[C');
    expect(arrowSequence('left', normal)).toBe('\x1b[D');
  });

  it('uses SS3 sequences in application cursor mode', () => {
    expect(arrowSequence('up', application)).toBe('\x1bOA');
    expect(arrowSequence('left', application)).toBe('\x1bOD');
  });

  it('adds the Ctrl modifier parameter', () => {
    expect(arrowSequence('right', normal, true)).toBe('\x1b[1;5C');
    expect(arrowSequence('left', application, true)).toBe('\x1b[1;5D');
  });
});

describe('KeyBarModifier', () => {
  it('sends the plain keys of the bar', () => {
    const modifier = new KeyBarModifier();
    expect(modifier.press('esc', normal)).toBe('\x1b');
    expect(modifier.press('tab', normal)).toBe('\t');
    expect(modifier.press('enter', normal)).toBe('\r');
    expect(modifier.press('up', normal)).toBe('\x1b[A');
    expect(modifier.press('down', application)).toBe('\x1bOB');
  });

  it('turns the next typed key into a control code', () => {
    const modifier = new KeyBarModifier();
    modifier.toggleCtrl();
    expect(modifier.ctrlArmed).toBe(true);
    expect(modifier.applyToInput('c')).toBe('\x03');
    expect(modifier.ctrlArmed).toBe(false);
    expect(modifier.applyToInput('c')).toBe('c');
  });

  it('applies Ctrl to the next bar key and then disarms', () => {
    const modifier = new KeyBarModifier();
    modifier.toggleCtrl();
    expect(modifier.press('left', normal)).toBe('\x1b[1;5D');
    expect(modifier.ctrlArmed).toBe(false);
    expect(modifier.press('left', normal)).toBe('\x1b[D');
  });

  it('disarms on a second tap without sending', () => {
    const modifier = new KeyBarModifier();
    modifier.toggleCtrl();
    modifier.toggleCtrl();
    expect(modifier.ctrlArmed).toBe(false);
    expect(modifier.applyToInput('c')).toBe('c');
  });

  it('passes pasted text unchanged and disarms', () => {
    const modifier = new KeyBarModifier();
    modifier.toggleCtrl();
    expect(modifier.applyToInput('echo hi')).toBe('echo hi');
    expect(modifier.ctrlArmed).toBe(false);
  });

  it('passes keys without a control code unchanged', () => {
    const modifier = new KeyBarModifier();
    modifier.toggleCtrl();
    expect(modifier.applyToInput('!')).toBe('!');
  });

  it('reports each change of the Ctrl state', () => {
    const changes: boolean[] = [];
    const modifier = new KeyBarModifier((armed) => changes.push(armed));
    modifier.toggleCtrl();
    modifier.applyToInput('x');
    modifier.applyToInput('y');
    expect(changes).toEqual([true, false]);
  });
});
