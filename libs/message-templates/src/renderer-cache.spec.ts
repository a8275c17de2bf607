import { LruCache } from './compiled-template-cache';
import { createMessageRenderer } from './index';
import { sendDue, storeSettings } from './send-due.fixture';

describe('compiled template cache', () => {
  it('compiles a store template once however many messages use it', () => {
    const renderer = createMessageRenderer();
    const settings = storeSettings({ messageTemplates: { es: 'Hola {{firstName}}: {{recoveryLink}}' } });
    for (let i = 0; i < 50; i++) renderer.renderMessage({ sendDue: sendDue({ cartId: `c${i}` }), settings });
    expect(renderer.stats()).toEqual({ compilations: 1, cacheHits: 49, cached: 1 });
  });

  it('compiles the shipped templates once for all stores', () => {
    const renderer = createMessageRenderer();
    for (let i = 0; i < 20; i++) {
      renderer.renderMessage({ sendDue: sendDue(), settings: storeSettings({ storeId: `store-${i}` }) });
    }
    expect(renderer.stats().compilations).toBe(1);
  });

  it('treats an edited template as a new version', () => {
    const renderer = createMessageRenderer();
    const render = (es: string) =>
      renderer.renderMessage({ sendDue: sendDue(), settings: storeSettings({ messageTemplates: { es } }) }).text;
    expect(render('Hola {{recoveryLink}}')).toBe('Hola https://lola.example/cart/recover/8812');
    expect(render('Buenas {{recoveryLink}}')).toBe('Buenas https://lola.example/cart/recover/8812');
    expect(render('Hola {{recoveryLink}}')).toBe('Hola https://lola.example/cart/recover/8812');
    expect(renderer.stats()).toMatchObject({ compilations: 2, cacheHits: 1 });
  });

  it('stays within its size, evicting the least recently used template', () => {
    const renderer = createMessageRenderer({ cacheSize: 2 });
    const render = (storeId: string) =>
      renderer.renderMessage({
        sendDue: sendDue(),
        settings: storeSettings({ storeId, messageTemplates: { es: '{{store.id}} {{recoveryLink}}' } }),
      });
    render('a');
    render('b');
    render('a'); // a is now the most recent
    render('c'); // evicts b
    render('a');
    expect(renderer.stats()).toMatchObject({ compilations: 3, cacheHits: 2, cached: 2 });
    render('b');
    expect(renderer.stats()).toMatchObject({ compilations: 4, cached: 2 });
  });
});

describe('LruCache', () => {
  it('refuses a capacity below one', () => {
    expect(() => new LruCache(0)).toThrow(/capacity/);
  });

  it('drops the oldest entry first', () => {
    const cache = new LruCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.get('a');
    cache.set('c', 3);
    expect([cache.get('a'), cache.get('b'), cache.get('c'), cache.size]).toEqual([1, undefined, 3, 2]);
  });
});
