import { templateProblems } from './index';
import { storeSettings } from './send-due.fixture';

const whatsapp = { phoneNumberId: '106540352242922', mode: 'template' as const, templateName: 'cart_reminder' };

describe('templateProblems', () => {
  it('finds nothing wrong with the shipped templates or good store templates', () => {
    expect(templateProblems(storeSettings())).toEqual([]);
    expect(
      templateProblems(
        storeSettings({
          messageTemplates: {
            es: '¡Hola {{customer.firstName}}! En {{store.name}} te guardamos tu carrito: {{itemsSummary items}}. Termina tu compra aquí: {{recoveryUrl}}',
            en: '{{firstName greeting="hi"}}, {{#each items}}{{title}} {{money unitPrice}}{{#unless @last}}, {{/unless}}{{/each}}{{#if total}} = {{money}}{{/if}}. {{recoveryLink utm_source="whatsapp"}}',
          },
          whatsapp: {
            ...whatsapp,
            templateParameters: {
              body: ['{{firstName}}', '{{store.name}}', '{{itemsSummary items}}'],
              buttonUrlSuffix: '{{recoveryLink after="https://lola.example/"}}',
            },
          },
        }),
      ),
    ).toEqual([]);
  });

  it('names the language of a template that does not parse', () => {
    const problems = templateProblems(
      storeSettings({ messageTemplates: { en: 'Hi {{firstName}', es: 'ok {{recoveryLink}}' } }),
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^messageTemplates\.en: syntax error on line 1 near "Hi {{firstName}": unexpected /);
  });

  it('reports misspelt fields and unknown helpers with their place', () => {
    const problems = templateProblems(
      storeSettings({
        messageTemplates: {
          es: 'Hola {{customer.nombre}} {{recoveryLink}}',
          en: '{{recoveryLink}} {{shout store.name}}',
        },
      }),
    );
    expect(problems).toEqual([
      'messageTemplates.es: unknown field "nombre" at line 1, column 8',
      'messageTemplates.en: unknown helper "shout" at line 1, column 18',
    ]);
  });

  it('refuses a positional argument to firstName, a likely slip', () => {
    expect(
      templateProblems(
        storeSettings({ messageTemplates: { es: 'Hola {{firstName customer.firstName}} {{recoveryLink}}' } }),
      ),
    ).toEqual([
      'messageTemplates.es: firstName takes no positional argument: use {{firstName}}, fallback="…" or greeting="…"',
    ]);
  });

  it('refuses the log helper, which would write shopper data to the console', () => {
    expect(templateProblems(storeSettings({ messageTemplates: { es: '{{log customer}}{{recoveryLink}}' } }))).toEqual([
      'messageTemplates.es: unknown helper "log" at line 1, column 1',
    ]);
  });

  it('reports a template that fails only for some carts, or forgets the link', () => {
    const problems = templateProblems(
      storeSettings({
        messageTemplates: {
          es: '{{money total currency}} {{recoveryLink}}',
          en: 'Hi {{firstName}}, come back soon!',
          pt: `${'x'.repeat(3900)}{{#each items}}{{title}}{{/each}}{{recoveryLink}}`,
        },
      }),
    );
    expect(problems).toEqual([
      'messageTemplates.en: never gives the recovery link; add {{recoveryLink}}',
      expect.stringMatching(
        /^messageTemplates\.pt: renders \d+ characters for a shopper without name.*over WhatsApp's 4096$/,
      ),
    ]);
  });

  it('names each template parameter expression that fails', () => {
    const problems = templateProblems(
      storeSettings({
        whatsapp: {
          ...whatsapp,
          templateParameters: {
            body: ['{{firstName}}', '{{customer.firstName}}', '{{money total "EURO"}}', '{{#if}}'],
            buttonUrlSuffix: '   ',
          },
        },
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^whatsapp\.templateParameters\.body\[1\]: renders empty.*\(for a shopper without name/),
      'whatsapp.templateParameters.body[2]: money expects an ISO 4217 currency, got "EURO"',
      'whatsapp.templateParameters.body[3]: syntax error on line 1 near "{{#if}}": unexpected end of template',
      expect.stringMatching(/^whatsapp\.templateParameters\.buttonUrlSuffix: renders empty/),
    ]);
  });

  it('checks the parameters in every language the template is approved in, and says which', () => {
    const settings = (body: string[]) =>
      storeSettings({ whatsapp: { ...whatsapp, templateLanguages: ['es', 'en_US'], templateParameters: { body } } });
    expect(templateProblems(settings(['{{firstName}}', '{{itemsSummary items max=2}}']))).toEqual([]);
    expect(templateProblems(settings(['{{money total "EURO"}}']))).toEqual([
      'whatsapp.templateParameters.body[0]: money expects an ISO 4217 currency, got "EURO" (in es)',
    ]);
  });

  it('refuses a utility or authentication category for the cart reminder, naming the field', () => {
    for (const templateCategory of ['utility', 'authentication'] as const)
      expect(templateProblems(storeSettings({ whatsapp: { ...whatsapp, templateCategory } }))).toEqual([
        `whatsapp.templateCategory: a cart reminder is a marketing message; approve the template as "marketing", not "${templateCategory}"`,
      ]);
    expect(templateProblems(storeSettings({ whatsapp: { ...whatsapp, templateCategory: 'marketing' } }))).toEqual([]);
    expect(templateProblems(storeSettings({ whatsapp })).length).toBe(0); // no category: taken as marketing
  });

  it('asks for the template name in template mode', () => {
    expect(templateProblems(storeSettings({ whatsapp: { ...whatsapp, templateName: undefined } }))).toEqual([
      'whatsapp.templateName: required when whatsapp.mode is "template"',
    ]);
  });
});
