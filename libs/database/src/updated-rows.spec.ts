import { updatedRows } from './updated-rows';

describe('updatedRows', () => {
  it("reads both of TypeORM's answers to a RETURNING query", () => {
    expect(updatedRows([[{ id: 'a' }, { id: 'b' }], 2])).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(updatedRows([[], 0])).toEqual([]);
    expect(updatedRows([{ id: 'a' }, { id: 'b' }])).toEqual([{ id: 'a' }, { id: 'b' }]);
    expect(updatedRows<{ id: string }>([])).toEqual([]);
  });
});
