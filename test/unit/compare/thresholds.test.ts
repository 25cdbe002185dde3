/**
 * One set of thresholds: the API's defaults for a comparison and for the search are the shared ones,
 * the form's fields round-trip them (empty is off), and what is wrong with a field is said by name.
 */
import { describe, expect, it } from 'vitest';
import { api } from '../../../electron/shared/api/contract';
import {
  CHECK_FLOOR,
  COSINE_GOAL,
  DEFAULT_THRESHOLDS,
  describeThresholds,
} from '../../../electron/shared/compare/thresholds';
import { parseThresholds, thresholdFields } from '../../../renderer/src/compare/choices';

const ID = 'aaaaaaaaaaaaaaaa-bbbbbbbbbbbbbbbb';

describe('thresholds', () => {
  it('the API defaults a comparison and a search to the one set; the INT8 check holds a margin over its goal', () => {
    const compare = api['model.compare'].request.parse({ source: { kind: 'path', path: '/m.onnx' }, variants: [ID] });
    const search = api['variant.search'].request.parse({
      source: { kind: 'path', path: '/m.onnx' },
      base: { precision: 'fp16' },
    });
    expect(compare.thresholds).toEqual(DEFAULT_THRESHOLDS);
    expect(search.thresholds).toEqual(DEFAULT_THRESHOLDS);
    expect(DEFAULT_THRESHOLDS).toEqual({ cosine: 0.99, snr: 17, psnr: null, top1: 0.99, atol: null, rtol: null });
    expect(CHECK_FLOOR).toBeGreaterThan(COSINE_GOAL);
    // A partial set keeps the defaults for the rest.
    const asked = api['model.compare'].request.parse({
      source: { kind: 'path', path: '/m.onnx' },
      variants: [ID],
      thresholds: { atol: 1e-3 },
    });
    expect(asked.thresholds).toEqual({ ...DEFAULT_THRESHOLDS, atol: 1e-3 });
    expect(describeThresholds(asked.thresholds)).toBe(
      'cosine ≥ 0.99 on every sample, SNR ≥ 17 dB, top-1 agreement ≥ 99 % on class scores, |err| ≤ atol 0.001 + rtol 0·|ref|',
    );
  });

  it("the Compare form's fields round-trip the thresholds; empty is off; a bad field is named", () => {
    const fields = thresholdFields(DEFAULT_THRESHOLDS);
    expect(fields).toEqual({ cosine: '0.99', snr: '17', psnr: '', top1: '99', atol: '', rtol: '' });
    expect(parseThresholds(fields)).toEqual(DEFAULT_THRESHOLDS);
    expect(parseThresholds({ ...fields, atol: '1e-5', psnr: '30', snr: ' ', top1: '' })).toEqual({
      ...DEFAULT_THRESHOLDS,
      atol: 1e-5,
      psnr: 30,
      snr: null,
      top1: null,
    });
    expect(parseThresholds({ ...fields, cosine: '' })).toMatch(/cosine threshold must be in \(0, 1\]/);
    expect(parseThresholds({ ...fields, cosine: '1.5' })).toMatch(/cosine/);
    expect(parseThresholds({ ...fields, snr: 'loud' })).toMatch(/^the SNR threshold/);
    expect(parseThresholds({ ...fields, top1: '101' })).toMatch(/^the top-1 agreement threshold/);
    expect(parseThresholds({ ...fields, rtol: '-1' })).toMatch(/^atol and rtol/);
  });
});
