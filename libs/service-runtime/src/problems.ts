/**
 * Errors a route throws to answer with application/problem+json (RFC 9457). Each service keeps
 * its codes in one catalogue built with `problemCatalogue`.
 */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: { path: string; message: string }[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail ?? title);
  }
}

type Entry = { status: number; title: string };

/** Builds one function per code, so a route writes `problems.missionNotFound()` and nothing else. */
export function problemCatalogue<C extends Record<string, Entry>>(entries: C) {
  const out = {} as {
    [K in keyof C]: (detail?: string, extra?: { errors?: { path: string; message: string }[]; [key: string]: unknown }) => HttpProblem;
  };
  for (const [name, { status, title }] of Object.entries(entries)) {
    const code = name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    (out as Record<string, unknown>)[name] = (detail?: string, extra?: { errors?: { path: string; message: string }[]; [key: string]: unknown }) => {
      const { errors, ...rest } = extra ?? {};
      return new HttpProblem(status, code, title, detail, errors, rest);
    };
  }
  return out;
}

/** Codes every service shares. */
export const commonProblems = problemCatalogue({
  notFound: { status: 404, title: 'Not found' },
  unauthorized: { status: 401, title: 'Authentication required' },
  forbidden: { status: 403, title: 'This role may not call this route' },
  validationFailed: { status: 400, title: 'The request is not valid' },
  rateLimited: { status: 429, title: 'Too many requests' },
  unsupportedMediaType: { status: 415, title: 'Unsupported media type' },
  payloadTooLarge: { status: 413, title: 'Payload too large' },
  conflict: { status: 409, title: 'Conflict' },
  internal: { status: 500, title: 'Internal error' },
  unavailable: { status: 503, title: 'Service unavailable' },
});
