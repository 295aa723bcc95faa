import { describe, expect, it } from 'vitest';
import { DataError } from '../../../engine/domain/errors.js';
import { logReturnColumns, parseReturnsCsv, returnsTable } from '../../../engine/risk/var/returnsTable.js';

function dataError(fn: () => unknown): DataError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DataError);
    return e as DataError;
  }
  throw new Error('expected a DataError');
}

describe('parseReturnsCsv', () => {
  it('reads a header of assets and one row of returns per date (BOM, CRLF and trailing blank lines tolerated)', () => {
    const t = parseReturnsCsv('\uFEFFdate,AAPL,MSFT\r\n2024-01-02,0.01,-0.02\r\n2024-01-03, 1e-3 ,.5\r\n\r\n', 'r.csv');
    expect(t.assets).toEqual(['AAPL', 'MSFT']);
    expect(t.dates).toEqual(['2024-01-02', '2024-01-03']);
    expect([...t.columns[0]!]).toEqual([0.01, 0.001]);
    expect([...t.columns[1]!]).toEqual([-0.02, 0.5]);
  });

  it('a missing or NaN return is an error naming the symbol, the date and the line', () => {
    const empty = dataError(() => parseReturnsCsv('date,AAPL,MSFT\n2024-01-02,0.01,0.02\n2024-01-03,0.01,\n', 'r.csv'));
    expect(empty.message).toContain('MSFT');
    expect(empty.message).toContain('2024-01-03');
    expect(empty.location).toMatchObject({ file: 'r.csv', line: 3, symbol: 'MSFT', field: '2024-01-03' });

    for (const bad of ['NaN', 'nan', 'NA', 'null', '1.2.3', 'Infinity', '0x10', '1e999']) {
      const e = dataError(() => parseReturnsCsv(`date,AAPL,MSFT\n2024-01-02,${bad},0.02\n`, 'r.csv'));
      expect(e.message, bad).toContain('AAPL');
      expect(e.message, bad).toContain('2024-01-02');
      expect(e.location.line).toBe(2);
    }
  });

  it('rejects a return below −100 %, bad or repeated dates, ragged rows and a bad header', () => {
    expect(dataError(() => parseReturnsCsv('date,X\n2024-01-02,-1.5\n')).message).toMatch(/X.*2024-01-02.*below −1/);
    expect(parseReturnsCsv('date,X\n2024-01-02,-1\n').columns[0]![0]).toBe(-1); // a total loss is possible
    expect(dataError(() => parseReturnsCsv('date,X\n2024-02-30,0.1\n')).message).toContain('YYYY-MM-DD');
    expect(dataError(() => parseReturnsCsv('date,X\n2024-01-02,0.1\n2024-01-02,0.2\n')).message).toMatch(/2024-01-02 appears twice \(also on line 2\)/);
    expect(dataError(() => parseReturnsCsv('date,X,Y\n2024-01-02,0.1\n')).location.line).toBe(2);
    expect(dataError(() => parseReturnsCsv('date\n2024-01-02\n')).location.line).toBe(1);
    expect(dataError(() => parseReturnsCsv('date,X,X\n')).message).toContain('X appears twice');
    expect(dataError(() => parseReturnsCsv('date,,Y\n')).message).toContain('column 2');
    expect(dataError(() => parseReturnsCsv('\n\n')).message).toContain('empty');
  });
});

describe('returnsTable / logReturnColumns', () => {
  it('checks in-memory columns the same way', () => {
    expect(() => returnsTable(['A'], ['2024-01-02'], [[Number.NaN]])).toThrow(/A.*2024-01-02/);
    expect(() => returnsTable(['A'], ['2024-01-02', '2024-01-03'], [[0.1]])).toThrow(DataError);
  });

  it('log returns are ln(1 + r); a −100 % day has none and names asset and date', () => {
    const t = returnsTable(['A'], ['2024-01-02', '2024-01-03'], [[0.1, -0.5]]);
    const [up, down] = logReturnColumns(t)[0]!;
    expect(up).toBeCloseTo(Math.log(1.1), 15);
    expect(down).toBe(Math.log(0.5));
    const wiped = returnsTable(['A', 'B'], ['2024-01-02'], [[0], [-1]]);
    expect(() => logReturnColumns(wiped)).toThrow(/B.*2024-01-02/);
  });
});
