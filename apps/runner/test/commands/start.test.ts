import { describe, expect, it } from 'vitest';
import { run, tempDir } from '../helpers';

describe('linkboard start', () => {
  it('imports the shipped sample once, then prints the random baseline per shot', async () => {
    const dataDir = await tempDir();
    const first = await run(['start'], { dataDir });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('importing the ISEKAI sample');
    expect(first.stdout).toMatch(
      /benchmark ISEKAI-sample@1 \([0-9a-f]{12}\): 3 pairs, 3 queries, up to 2 shots/,
    );
    expect(first.stdout).toMatch(/^2\s+lcl\s+12\s+\d+\.\d% \[/m);
    const second = await run(['start'], { dataDir });
    expect(second.stdout).not.toContain('importing');
    expect(second.stdout.split('\n').slice(1)).toEqual(first.stdout.split('\n').slice(2));
  });
});
