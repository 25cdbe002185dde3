// Issue 20, item 10: `--host 0.0.0.0` could not be reached from another machine, because the only
// names accepted were the local ones and the literal bound address (a wildcard no browser sends).
// The accepted names are now the local ones, the bound address when it is one address, and an
// explicit --allow-host list.
import { describe, expect, it } from 'vitest';
import {
  allowedHostSet,
  hostForUrl,
  isLoopback,
  isWildcard,
  parseAllowHosts,
} from '../../../electron/serve/allowed-hosts';

describe('parseAllowHosts', () => {
  it('takes names and addresses, comma-separated or repeated, lower-cased, once each', () => {
    expect(parseAllowHosts(['GPU-Box.lan,10.0.0.5', 'gpu-box.lan', ' fe80::1 ', '[::2]'])).toEqual([
      'gpu-box.lan',
      '10.0.0.5',
      '[fe80::1]',
      '[::2]',
    ]);
    expect(parseAllowHosts([])).toEqual([]);
  });

  it.each(['*', '*.lan', 'gpu-box:4317', 'http://gpu-box', 'gpu box', '-gpu', 'a..b', 'gpu_box'])(
    'refuses %s, saying what it takes',
    (value) => {
      expect(() => parseAllowHosts([value])).toThrow(/host names or IP addresses/);
    },
  );
});

describe('allowedHostSet', () => {
  it('a wildcard bind accepts the local names and the allowed ones, not the wildcard itself', () => {
    const set = allowedHostSet('0.0.0.0', 4317, ['gpu-box.lan']);
    expect([...set].sort()).toEqual(['127.0.0.1:4317', '[::1]:4317', 'gpu-box.lan:4317', 'localhost:4317'].sort());
    expect(allowedHostSet('::', 4317, []).has('[::]:4317')).toBe(false);
  });

  it('a bind to one address accepts that address too', () => {
    expect(allowedHostSet('10.0.0.5', 4317, []).has('10.0.0.5:4317')).toBe(true);
    expect(allowedHostSet('fe80::1', 4317, []).has('[fe80::1]:4317')).toBe(true);
  });

  it('on port 80 the bare name is accepted too (browsers leave the default port out)', () => {
    const set = allowedHostSet('0.0.0.0', 80, ['gpu-box.lan']);
    expect(set.has('gpu-box.lan')).toBe(true);
    expect(set.has('gpu-box.lan:80')).toBe(true);
    expect(allowedHostSet('0.0.0.0', 4317, ['gpu-box.lan']).has('gpu-box.lan')).toBe(false);
  });
});

describe('address kinds', () => {
  it('tells wildcards and loopback apart, and brackets IPv6 for URLs', () => {
    expect(['0.0.0.0', '::'].map(isWildcard)).toEqual([true, true]);
    expect(['127.0.0.1', 'gpu-box.lan'].map(isWildcard)).toEqual([false, false]);
    expect(['127.0.0.1', '::1', 'localhost', '0.0.0.0'].map(isLoopback)).toEqual([true, true, true, false]);
    expect([hostForUrl('::1'), hostForUrl('10.0.0.5'), hostForUrl('gpu-box')]).toEqual([
      '[::1]',
      '10.0.0.5',
      'gpu-box',
    ]);
  });
});
