import { describe, expect, it } from 'vitest';
import type { LogRecord } from '../api/types';
import { formatAttrs, LogBuffer, levelClass, levelValue, matchesFilter } from './logFilter';

function record(seq: number, level = 'INFO', message = `message ${seq}`, attrs: LogRecord['attrs'] = null): LogRecord {
  return { seq, time: '2026-01-01T00:00:00Z', level, message, attrs };
}

const seqs = (records: LogRecord[]) => records.map((item) => item.seq);

describe('levelValue', () => {
  it.each([
    ['DEBUG', -4],
    ['debug', -4],
    ['INFO', 0],
    ['WARN', 4],
    ['WARNING', 4],
    ['ERROR', 8],
    ['ERROR+2', 10],
    ['INFO-2', -2],
    ['nonsense', 0],
    ['', 0],
  ])('reads %j as %d', (level, expected) => {
    expect(levelValue(level)).toBe(expected);
  });

  it('classifies in-between levels by the standard level below', () => {
    expect(levelClass('WARN+2')).toBe('warn');
    expect(levelClass('DEBUG+2')).toBe('debug');
    expect(levelClass('ERROR+4')).toBe('error');
  });
});

describe('matchesFilter', () => {
  it('hides records below the minimum level', () => {
    const filter = { minLevel: 'warn' as const, text: '' };
    expect(matchesFilter(record(1, 'INFO'), filter)).toBe(false);
    expect(matchesFilter(record(2, 'WARN'), filter)).toBe(true);
    expect(matchesFilter(record(3, 'ERROR'), filter)).toBe(true);
    expect(matchesFilter(record(4, 'DEBUG'), filter)).toBe(false);
  });

  it('matches text in the message or attributes, ignoring case', () => {
    const item = record(1, 'INFO', 'Session started', { session_id: 'S-42', provider: 'shell' });
    expect(matchesFilter(item, { minLevel: 'debug', text: 'started' })).toBe(true);
    expect(matchesFilter(item, { minLevel: 'debug', text: 's-42' })).toBe(true);
    expect(matchesFilter(item, { minLevel: 'debug', text: 'provider=shell' })).toBe(true);
    expect(matchesFilter(item, { minLevel: 'debug', text: 'stopped' })).toBe(false);
  });

  it('combines level and text', () => {
    const item = record(1, 'DEBUG', 'tick');
    expect(matchesFilter(item, { minLevel: 'info', text: 'tick' })).toBe(false);
  });

  it('formats attributes as key=value', () => {
    expect(formatAttrs({ a: 'x', n: 3, nested: { b: true } })).toBe('a=x n=3 nested={"b":true}');
    expect(formatAttrs(null)).toBe('');
  });
});

describe('LogBuffer', () => {
  it('ignores records already seen', () => {
    const buffer = new LogBuffer();
    expect(buffer.add([record(1), record(2)])).toBe(true);
    expect(buffer.add([record(2), record(1)])).toBe(false);
    buffer.add([record(2), record(3)]);
    expect(seqs(buffer.state().shown)).toEqual([1, 2, 3]);
    expect(buffer.lastSequence()).toBe(3);
  });

  it('keeps only the newest records shown', () => {
    const buffer = new LogBuffer(3, 10);
    buffer.add([1, 2, 3, 4, 5].map((seq) => record(seq)));
    expect(seqs(buffer.state().shown)).toEqual([3, 4, 5]);
  });

  it('holds records while paused and shows them on resume', () => {
    const buffer = new LogBuffer(10, 10);
    buffer.add([record(1)]);
    buffer.pause();
    buffer.add([record(2), record(3)]);
    expect(seqs(buffer.state().shown)).toEqual([1]);
    expect(buffer.state().pendingCount).toBe(2);
    expect(buffer.state().paused).toBe(true);

    buffer.resume();
    expect(seqs(buffer.state().shown)).toEqual([1, 2, 3]);
    expect(buffer.state().pendingCount).toBe(0);
    expect(buffer.state().paused).toBe(false);
  });

  it('bounds the pause buffer and counts what it dropped', () => {
    const buffer = new LogBuffer(100, 3);
    buffer.pause();
    buffer.add([1, 2, 3, 4, 5].map((seq) => record(seq)));
    buffer.add([record(6)]);
    expect(buffer.state().pendingCount).toBe(3);
    expect(buffer.state().droppedWhilePaused).toBe(3);

    buffer.resume();
    expect(seqs(buffer.state().shown)).toEqual([4, 5, 6]);
  });

  it('applies the shown bound to records released on resume', () => {
    const buffer = new LogBuffer(4, 10);
    buffer.add([record(1), record(2), record(3)]);
    buffer.pause();
    buffer.add([record(4), record(5), record(6)]);
    buffer.resume();
    expect(seqs(buffer.state().shown)).toEqual([3, 4, 5, 6]);
  });

  it('keeps the sequence position after clear', () => {
    const buffer = new LogBuffer();
    buffer.add([record(1), record(2)]);
    buffer.clear();
    expect(buffer.add([record(2)])).toBe(false);
    expect(buffer.state().shown).toEqual([]);
    expect(buffer.lastSequence()).toBe(2);
  });

  it('counts records the stream missed', () => {
    const buffer = new LogBuffer();
    buffer.addMissed(5);
    buffer.addMissed(-1);
    expect(buffer.state().missed).toBe(5);
  });
});
