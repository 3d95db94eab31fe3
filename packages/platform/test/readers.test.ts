import { describe, expect, it } from 'vitest';
import { mayChange, mayRead, type Reader } from '../src/readers';

const owner: Reader = { id: 'u-owner', role: 'submitter' };
const other: Reader = { id: 'u-other', role: 'participant' };
const admin: Reader = { id: 'u-admin', role: 'admin' };

describe('who may read and change a submission', () => {
  it('reads: public to anyone, private to its owner and admins, withdrawn to admins alone', () => {
    const cases: [string, Reader, boolean][] = [
      ['public', null, true],
      ['public', other, true],
      ['private', null, false],
      ['private', other, false],
      ['private', owner, true],
      ['private', admin, true],
      // Taken off the board by an admin: its owner learns why through the change routes only.
      ['withdrawn', owner, false],
      ['withdrawn', null, false],
      ['withdrawn', admin, true],
    ];
    for (const [visibility, reader, expected] of cases)
      expect(
        mayRead(reader, { visibility, ownerId: 'u-owner' }),
        `${visibility} by ${reader?.id}`,
      ).toBe(expected);
  });

  it('changes: its owner and admins; nobody for a submission without an owner but admins', () => {
    expect(mayChange(owner, 'u-owner')).toBe(true);
    expect(mayChange(admin, 'u-owner')).toBe(true);
    expect(mayChange(other, 'u-owner')).toBe(false);
    expect(mayChange(null, 'u-owner')).toBe(false);
    // The operator's runs (no owner) are no account's to change.
    expect(mayChange(owner, null)).toBe(false);
    expect(mayChange(admin, null)).toBe(true);
  });
});
