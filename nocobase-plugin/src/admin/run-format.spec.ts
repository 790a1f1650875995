import { changeTotal, countEntries, describeChanges, formatDuration, formatTime, progressPercent, stoppedByGuard } from './run-format';

describe('run format', () => {
  it('words durations', () => {
    expect([formatDuration(null), formatDuration(850), formatDuration(12_400), formatDuration(185_000)]).toEqual(['—', '850 ms', '12.4 s', '3 min 05 s']);
  });

  it('writes local times to the second', () => {
    expect(formatTime(null)).toBe('—');
    expect(formatTime(new Date(2026, 11, 2, 9, 5, 7).toISOString())).toBe('2026-12-02 09:05:07');
  });

  it('gives progress while active, unknown before the total is known, 100 once finished', () => {
    expect(progressPercent({ status: 'running', progress: { done: 0, total: 0 } })).toBeNull();
    expect(progressPercent({ status: 'running', progress: { done: 250, total: 1000 } })).toBe(25);
    expect(progressPercent({ status: 'running', progress: { done: 1000, total: 1000 } })).toBe(99);
    expect(progressPercent({ status: 'succeeded', progress: { done: 0, total: 0 } })).toBe(100);
    // While reading, the departments read: members handled trail the members read (here all of them so far).
    expect(progressPercent({ status: 'running', progress: { done: 2000, total: 2000, read: { done: 30, total: 120 } } })).toBe(25);
    expect(progressPercent({ status: 'running', progress: { done: 0, total: 0, read: { done: 0, total: 0 } } })).toBeNull();
  });

  it('lists what changed, members first, leaving out unchanged', () => {
    const counts = { members: { create: 3, unchanged: 40, suspend: 0 }, departments: { update: 1 }, conflicts: 2 };
    expect(countEntries(counts)).toEqual([
      { kind: 'members', action: 'create', n: 3 },
      { kind: 'departments', action: 'update', n: 1 },
      { kind: 'conflicts', action: 'conflict', n: 2 },
    ]);
    expect(changeTotal(counts)).toBe(4);
  });

  it('tells a run the offboarding guard stopped from other aborted or failed runs', () => {
    expect(stoppedByGuard({ status: 'aborted', error: { code: 'OFFBOARDING_THRESHOLD', message: '' } })).toBe(true);
    expect(stoppedByGuard({ status: 'failed', error: { code: 'OFFBOARDING_THRESHOLD', message: '' } })).toBe(false);
    expect(stoppedByGuard({ status: 'aborted', error: null })).toBe(false);
  });
});

describe('describeChanges', () => {
  it("shows a member's fields before → after, memberships and conflicts", () => {
    const changes = {
      fields: { nickname: ['Li', 'Li Na'], email: [null, 'li@corp.cn'] },
      addMemberships: [{ nocobaseDepartmentId: '5', isOwner: false }],
      removeMemberships: ['2'],
      conflicts: ['email li@corp.cn is held by user 9'],
    };
    expect(describeChanges({ kind: 'member', changes })).toEqual([
      'nickname: "Li" → "Li Na"',
      'email: ∅ → "li@corp.cn"',
      '+ departments #5',
      '− departments #2',
      'conflict: email li@corp.cn is held by user 9',
    ]);
  });

  it("shows a department's title and parent", () => {
    expect(describeChanges({ kind: 'department', changes: { title: '销售部', parentNocobaseId: '3' } })).toEqual(['title "销售部"', 'parent #3']);
  });
});
