import fc from 'fast-check';
import { FifoQueue } from './fifo-queue';

describe('FifoQueue', () => {
  it('gives items back first in, first out; unshift puts one at the front', () => {
    const q = new FifoQueue<string>();
    q.push('a');
    q.push('b');
    q.unshift('renewed');
    expect(q.size).toBe(3);
    expect(q.peek()).toBe('renewed');
    expect([q.shift(), q.shift()]).toEqual(['renewed', 'a']);
    q.unshift('again'); // into the slot a shift freed
    expect([q.shift(), q.shift(), q.shift()]).toEqual(['again', 'b', undefined]);
    expect(q.size).toBe(0);
    expect(q.peek()).toBeUndefined();
  });

  it('behaves as an array would, across compactions, for any sequence of operations', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), n: fc.integer({ min: 1, max: 200 }) }),
      fc.record({ kind: fc.constant('unshift' as const), n: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('shift' as const), n: fc.integer({ min: 1, max: 200 }) }),
      fc.record({ kind: fc.constant('remove' as const), n: fc.integer({ min: 0, max: 2000 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const q = new FifoQueue<number>();
        const model: number[] = [];
        let next = 0;
        for (const { kind, n } of ops) {
          for (let i = 0; kind === 'push' && i < n; i++, next++) {
            q.push(next);
            model.push(next);
          }
          for (let i = 0; kind === 'unshift' && i < n; i++, next++) {
            q.unshift(next);
            model.unshift(next);
          }
          if (kind === 'shift') for (let i = 0; i < n; i++) expect(q.shift()).toBe(model.shift());
          if (kind === 'remove') {
            const at = model.lastIndexOf(n);
            expect(q.removeLast(n)).toBe(at >= 0);
            if (at >= 0) model.splice(at, 1);
          }
          expect(q.size).toBe(model.length);
          expect(q.peek()).toBe(model[0]);
          if (model.length > 0) expect(q.at(model.length - 1)).toBe(model[model.length - 1]);
        }
        expect(q.takeAll()).toEqual(model);
        expect(q.size).toBe(0);
      }),
    );
  });

  it('does not find an item already shifted out', () => {
    const q = new FifoQueue<number>();
    for (const n of [5, 6, 5]) q.push(n);
    q.shift();
    q.shift();
    expect(q.removeLast(6)).toBe(false);
    expect(q.removeLast(5)).toBe(true);
    expect(q.removeLast(5)).toBe(false);
  });
});
