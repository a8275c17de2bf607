import { Writable } from 'node:stream';
import { maskPhone, scrub, scrubText } from './personal-data';
import { createLogger } from './logger';

describe('personal data in logs', () => {
  it('masks phone numbers keeping country code and last three digits', () => {
    expect(maskPhone('+34600111222')).toBe('+34******222');
    expect(maskPhone('34600111222')).toBe('34******222');
    expect(maskPhone('123')).toBe('***');
  });

  it('scrubs secrets and phones at any depth, and phones inside free text', () => {
    const out = scrub({
      storeId: 's1',
      whatsapp: { accessToken: 'EAAG-secret', phoneNumberId: '1065' },
      customer: { phone: '+34600111222', firstName: 'Ana' },
      headers: { authorization: 'Bearer k' },
      list: [{ to: '34600111222' }],
    });
    const text = JSON.stringify(out);
    expect(text).not.toContain('EAAG-secret');
    expect(text).not.toContain('600111222');
    expect(text).not.toContain('Bearer k');
    expect(text).toContain('"phoneNumberId":"1065"');
    expect(scrubText('recipient +34 600 111 222 is not on WhatsApp')).toBe('recipient +34******222 is not on WhatsApp');
  });

  it('a logger writes JSON lines with nothing personal or secret in them', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const child = createLogger('test', { destination: sink });
    child.info({ customer: { phone: '+34600111222' }, accessToken: 'EAAG-secret' }, 'sending');
    const line = JSON.parse(lines.at(-1)!);
    expect(line.message).toBe('sending');
    expect(line.level).toBe('info');
    expect(line.customer.phone).toBe('+34******222');
    expect(line.accessToken).toBe('[redacted]');
  });
});
