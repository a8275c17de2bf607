/// <reference lib="dom" />
// The console's words in Spanish and English: from the link's `locale`, else the browser's.
const es = {
  title: 'Tu tienda en WhatsApp',
  tabHours: 'Horario',
  tabMessage: 'Mensaje',
  timezone: 'Zona horaria',
  weekly: 'Horario semanal',
  closedDay: 'Cerrado',
  addInterval: 'Añadir tramo',
  remove: 'Quitar',
  from: 'Desde',
  to: 'Hasta',
  closedDates: 'Días cerrados',
  addDate: 'Añadir día',
  save: 'Guardar',
  saved: 'Guardado. Los cambios ya se aplican.',
  saving: 'Guardando…',
  fixProblems: 'Corrige lo marcado antes de guardar.',
  abandonedAt: 'Un carrito abandonado el',
  messagedAt: 'recibe su mensaje el',
  expires: 'no recibiría mensaje: la tienda no abre antes de que caduque',
  previewTitle: 'Cuándo sale el mensaje',
  storeDisabled: 'Los mensajes están desactivados para esta tienda.',
  messageText: 'Texto del mensaje',
  templateParameters: 'Parámetros de la plantilla aprobada (uno por línea)',
  sampleCart: 'Carrito de ejemplo',
  bubbleTitle: 'Así lo verá tu cliente',
  defaultTemplate: 'Sin texto propio se envía el mensaje estándar.',
  helpers: 'Puedes usar {{firstName}}, {{store.name}}, {{itemsSummary items}}, {{total}} y {{recoveryLink}}.',
  expired: 'La sesión ha caducado: vuelve a abrir la consola desde tu plataforma.',
  noToken: 'Abre la consola desde tu plataforma.',
  failed: 'No se pudo completar. Inténtalo de nuevo.',
  days: ['Lunes', 'Martes', 'Miércoles', 'Jueves', 'Viernes', 'Sábado', 'Domingo'],
  samples: {
    'one-item': 'Un producto',
    'seven-items': 'Siete productos',
    'long-names': 'Nombres largos',
    emoji: 'Emojis',
    usd: 'Dólares (USD)',
    jpy: 'Yenes (JPY)',
    mxn: 'Pesos mexicanos (MXN)',
  } as Record<string, string>,
};

export type Words = typeof es;

const en: Words = {
  title: 'Your store on WhatsApp',
  tabHours: 'Opening hours',
  tabMessage: 'Message',
  timezone: 'Time zone',
  weekly: 'Weekly hours',
  closedDay: 'Closed',
  addInterval: 'Add hours',
  remove: 'Remove',
  from: 'From',
  to: 'To',
  closedDates: 'Closed dates',
  addDate: 'Add date',
  save: 'Save',
  saved: 'Saved. The changes apply now.',
  saving: 'Saving…',
  fixProblems: 'Fix what is marked before saving.',
  abandonedAt: 'A cart abandoned on',
  messagedAt: 'is messaged on',
  expires: 'would get no message: the store does not open before it expires',
  previewTitle: 'When the message goes out',
  storeDisabled: 'Messages are turned off for this store.',
  messageText: 'Message text',
  templateParameters: 'Parameters of the approved template (one per line)',
  sampleCart: 'Sample cart',
  bubbleTitle: 'What your customer sees',
  defaultTemplate: 'Without your own text, the standard message is sent.',
  helpers: 'You can use {{firstName}}, {{store.name}}, {{itemsSummary items}}, {{total}} and {{recoveryLink}}.',
  expired: 'The session has expired: open the console again from your platform.',
  noToken: 'Open the console from your platform.',
  failed: 'That did not work. Try again.',
  days: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
  samples: {
    'one-item': 'One item',
    'seven-items': 'Seven items',
    'long-names': 'Long names',
    emoji: 'Emoji',
    usd: 'US dollars (USD)',
    jpy: 'Yen (JPY)',
    mxn: 'Mexican pesos (MXN)',
  },
};

export type Language = 'es' | 'en';

export function chooseLanguage(requested: string | null, browser: readonly string[]): Language {
  for (const tag of [requested, ...browser]) {
    const base = tag?.toLowerCase().slice(0, 2);
    if (base === 'es' || base === 'en') return base;
  }
  return 'en';
}

export function wordsFor(language: Language): Words {
  return language === 'es' ? es : en;
}
