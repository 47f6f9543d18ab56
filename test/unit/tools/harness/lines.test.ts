import { describe, expect, it } from 'vitest';
import { lineSplitter } from '../../../../tools/harness/lines.ts';

describe('lineSplitter', () => {
  it('hands over whole lines as chunks arrive and keeps the unterminated rest', () => {
    const lines: string[] = [];
    const splitter = lineSplitter((line) => lines.push(line));
    splitter.push('@started 1');
    splitter.push('2\nlog line\n@pub');
    expect(lines).toEqual(['@started 12', 'log line']);
    expect(splitter.rest()).toBe('@pub');
  });
});
