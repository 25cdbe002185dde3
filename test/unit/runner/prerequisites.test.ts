/**
 * test/prerequisites.ts: a test runs when what it needs is there; otherwise it is skipped with its
 * reason, except under CI for what .ci/run installs, where the test fails instead of skipping.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { has, needs, type Prerequisite } from '../../prerequisites';

const saved = process.env.CI;
afterEach(() => {
  if (saved === undefined) delete process.env.CI;
  else process.env.CI = saved;
});

const tool = (present: boolean, optional?: string): Prerequisite => ({
  what: 'a tool',
  present: () => present,
  ...(optional ? { optional } : {}),
});

describe('needs', () => {
  it('runs the test when every prerequisite is there', () => {
    process.env.CI = 'true';
    expect(needs(tool(true), tool(true, 'optional'))).toEqual({});
    expect(has(tool(true))).toBe(true);
  });

  it('skips, saying why, when something is missing off CI', () => {
    delete process.env.CI;
    expect(needs(tool(true), tool(false))).toEqual({ skip: true, meta: { skipped: 'a tool is not on this machine' } });
    expect(has(tool(false))).toBe(false);
  });

  it('skips an optional part under CI too, with the README’s reason', () => {
    process.env.CI = 'true';
    expect(needs(tool(false, 'the README calls it optional'))).toEqual({
      skip: true,
      meta: { skipped: 'a tool is not on this machine: the README calls it optional' },
    });
  });

  it('under CI, what .ci/run installs is required: missing, it fails rather than skip', () => {
    process.env.CI = 'true';
    expect(() => needs(tool(false))).toThrow(/^CI needs a tool, which \.ci\/run installs/);
    expect(() => has(tool(false))).toThrow(/CI needs a tool/);
    process.env.CI = 'false';
    expect(needs(tool(false)).skip).toBe(true);
  });
});
