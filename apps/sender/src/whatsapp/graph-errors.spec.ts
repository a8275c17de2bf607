import { classifyGraphError, GRAPH_ERROR_RULES } from './graph-errors';

function metaError(code: number, details = 'details') {
  return {
    error: {
      message: `(#${code}) Something`,
      type: 'OAuthException',
      code,
      error_data: { messaging_product: 'whatsapp', details },
      fbtrace_id: 'A1b2C3',
    },
  };
}

describe('classifyGraphError', () => {
  it.each([
    [130429, 400, 1_000, true],
    [131056, 400, 6_000, true],
    [80007, 400, 10_000, false],
    [4, 429, 10_000, false],
  ])(
    'rate limit %i (HTTP %i) is transient and waits %i ms; a per-number sending limit: %s',
    (code, status, retryAfterMs, paced) => {
      expect(classifyGraphError(status, metaError(code))).toEqual({
        kind: 'transient',
        code,
        reason: expect.stringContaining(`code ${code}`),
        retryAfterMs,
        ...(paced ? { paced: true } : {}),
      });
    },
  );

  it.each([
    [131000, 500],
    [131016, 503],
    [1, 500],
    [2, 503],
  ])("Meta's server trouble %i (HTTP %i) is transient", (code, status) => {
    expect(classifyGraphError(status, metaError(code))).toEqual({
      kind: 'transient',
      code,
      reason: expect.any(String),
    });
  });

  it.each([
    [131057, 60_000],
    [133004, 10_000],
  ])('maintenance / unavailable %i is transient with a pause', (code, retryAfterMs) => {
    expect(classifyGraphError(400, metaError(code))).toMatchObject({ kind: 'transient', code, retryAfterMs });
  });

  it.each([100, 2500, 131008, 131009, 131021, 131026, 131030, 131047, 131049, 131051, 131062, 130472, 130497])(
    '%i is permanent for this message',
    (code) => {
      expect(classifyGraphError(400, metaError(code))).toEqual({ kind: 'permanent', code, reason: expect.any(String) });
    },
  );

  it('131050 (stopped marketing messages) is permanent and an opt-out', () => {
    expect(classifyGraphError(400, metaError(131050))).toEqual({
      kind: 'permanent',
      code: 131050,
      reason: expect.any(String),
      optedOut: true,
    });
  });

  it.each([132000, 132001, 132005, 132007, 132012, 132015, 132016, 132018, 132999])(
    'template error %i is permanent',
    (code) => {
      expect(classifyGraphError(400, metaError(code))).toMatchObject({ kind: 'permanent', code });
    },
  );

  it.each([
    [190, 401],
    [104, 401],
    [10, 403],
    [200, 403],
    [368, 403],
    [131031, 403],
    [131042, 400],
    [131048, 400],
    [133010, 400],
    [131055, 400],
  ])('%i (HTTP %i) stops the store: token rejected', (code, status) => {
    expect(classifyGraphError(status, metaError(code))).toEqual({
      kind: 'token-rejected',
      code,
      reason: expect.any(String),
    });
  });

  it('every code in the table is covered by the cases above', () => {
    const tested = new Set([
      130429, 131056, 80007, 4, 131000, 131016, 1, 2, 131057, 133004, 100, 2500, 131008, 131009, 131021, 131026, 131030,
      131047, 131049, 131051, 131062, 130472, 130497, 131050, 190, 104, 10, 200, 368, 131031, 131042, 131048, 133010,
      131055,
    ]);
    expect(
      Object.keys(GRAPH_ERROR_RULES)
        .map(Number)
        .filter((code) => !tested.has(code)),
    ).toEqual([]);
  });

  it('keys on error.code, not on the HTTP status: a 400 rate limit is transient, a 500 with a permanent code is not', () => {
    expect(classifyGraphError(400, metaError(130429)).kind).toBe('transient');
    expect(classifyGraphError(500, metaError(131026)).kind).toBe('permanent');
  });

  it('falls back on the HTTP status for unknown codes and bodies without one', () => {
    expect(classifyGraphError(502, '<html>Bad gateway</html>')).toEqual({ kind: 'transient', reason: 'HTTP 502' });
    expect(classifyGraphError(503, undefined)).toMatchObject({ kind: 'transient' });
    expect(classifyGraphError(429, {})).toMatchObject({ kind: 'transient' });
    expect(classifyGraphError(408, null)).toMatchObject({ kind: 'transient' });
    expect(classifyGraphError(500, metaError(999_999))).toMatchObject({ kind: 'transient', code: 999_999 });
    expect(classifyGraphError(400, metaError(999_999))).toMatchObject({ kind: 'permanent', code: 999_999 });
    expect(classifyGraphError(404, 'not found')).toMatchObject({ kind: 'permanent' });
    expect(classifyGraphError(401, { error: { message: 'Invalid token' } })).toEqual({
      kind: 'token-rejected',
      code: 190,
      reason: 'HTTP 401: Invalid token',
    });
  });

  it('ignores a code that is not an integer', () => {
    expect(classifyGraphError(400, { error: { code: '131000' } })).toMatchObject({
      kind: 'permanent',
      code: undefined,
    });
  });

  it("says Meta's message and details, with phone numbers masked, capped in length", () => {
    const failure = classifyGraphError(400, metaError(100, 'Param to is not a valid phone number: "+34600111222".'));
    expect(failure.reason).toContain('(#100) Something');
    expect(failure.reason).toContain('+34******222');
    expect(failure.reason).not.toContain('600111222');
    expect(classifyGraphError(400, metaError(100, 'x'.repeat(5_000))).reason.length).toBeLessThanOrEqual(500);
  });
});
