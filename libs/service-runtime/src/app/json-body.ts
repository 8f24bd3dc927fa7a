import fp from 'fastify-plugin';
import { commonProblems } from '../problems.ts';

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * The first string (value or key) PostgreSQL cannot store: a NUL character (refused by text and
 * jsonb) or an unpaired UTF-16 surrogate (refused by jsonb). Iterative, so deep nesting cannot
 * overflow the stack. Returns its JSON pointer, or null.
 */
export function unstorableStringPath(value: unknown): string | null {
  const stack: Array<[unknown, string]> = [[value, '']];
  const bad = (text: string) => text.includes('\u0000') || UNPAIRED_SURROGATE.test(text);
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string') {
      if (bad(node)) return path || '/';
    } else if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i += 1) stack.push([node[i], `${path}/${i}`]);
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        const at = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
        if (bad(key)) return at;
        stack.push([child, at]);
      }
    }
  }
  return null;
}

/**
 * JSON bodies: fastify's parser (prototype poisoning refused), then a 400 for strings PostgreSQL
 * cannot store (NUL, unpaired surrogates), which would otherwise fail deep in a transaction as a 500.
 */
export const jsonBody = fp(
  async (app) => {
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      parseJson(request, body as string, (error: Error | null, value?: unknown) => {
        if (error) return done(error, undefined);
        const path = unstorableStringPath(value);
        if (path !== null) {
          const message = 'contains a NUL character or an unpaired UTF-16 surrogate';
          return done(commonProblems.validationFailed(`${path} ${message}`, { errors: [{ path, message }] }), undefined);
        }
        done(null, value);
      });
    });
  },
  { name: 'service-runtime.json-body' },
);
