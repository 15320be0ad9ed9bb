import { describe, expect, it } from 'vitest';
import { splitArgs } from './commandLine';

describe('splitArgs', () => {
  it.each([
    ['', []],
    ['   ', []],
    ['-l -a', ['-l', '-a']],
    ['  -n   5 ', ['-n', '5']],
    ['"two words" next', ['two words', 'next']],
    ["'single $HOME' x", ['single $HOME', 'x']],
    ['a\\ b', ['a b']],
    ['"say \\"hi\\""', ['say "hi"']],
    ['""', ['']],
    ["pre'fix'ed", ['prefixed']],
  ])('splits %j', (input, expected) => {
    expect(splitArgs(input)).toEqual(expected);
  });

  it('rejects an unterminated quote', () => {
    expect(() => splitArgs('"open')).toThrow(/unterminated double quote/);
    expect(() => splitArgs("'open")).toThrow(/unterminated single quote/);
  });
});
