import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, defaultLogFormat, prettyLine } from '../src/log';

function sink() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  return { stream, lines };
}

describe('createLogger', () => {
  it('writes JSON lines with an ISO time, level and name when the stream is not a terminal', () => {
    const { stream, lines } = sink();
    expect(defaultLogFormat(stream)).toBe('json');
    const log = createLogger('runner', stream);
    log.info('job 3: started');
    log.warn({ jobId: 3 }, 'database unreachable');
    expect(lines).toHaveLength(2);
    const first = JSON.parse(lines[0] as string);
    expect(first).toMatchObject({ level: 'info', name: 'runner', msg: 'job 3: started' });
    expect(first.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(JSON.parse(lines[1] as string)).toMatchObject({ level: 'warn', jobId: 3 });
  });

  it('writes readable lines in a terminal', () => {
    const { stream, lines } = sink();
    const tty = Object.assign(stream, { isTTY: true });
    expect(defaultLogFormat(tty)).toBe('pretty');
    createLogger('site', tty).error({ url: '/x' }, 'could not render');
    expect(lines).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d\.\d{3} ERROR site: could not render url=\/x$/),
    ]);
    expect(prettyLine('not json')).toBe('not json');
    expect(defaultLogFormat(new PassThrough())).toBe('json');
  });
});
