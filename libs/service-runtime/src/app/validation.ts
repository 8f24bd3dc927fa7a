import fp from 'fastify-plugin';
import { TypeBoxValidatorCompiler } from '@fastify/type-provider-typebox';
import { Settings } from 'typebox/system';

// A bad request names every bad field at once: TypeBox stops at 8 errors by default, and one
// failed union of literals alone uses 3.
if (Settings.Get().maxErrors < 100) Settings.Set({ maxErrors: 100 });

export type ValidationIssue = { instancePath?: string; message?: string; keyword?: string; params?: Record<string, unknown> };

/** Turns validator output into field paths a client can act on. */
export function validationErrors(issues: ValidationIssue[], part: string): { path: string; message: string }[] {
  const out = new Map<string, string>();
  for (const issue of issues) {
    const base = `${part === 'body' ? '' : `/${part}`}${issue.instancePath ?? ''}`;
    const params = issue.params ?? {};
    if (issue.keyword === 'required' && Array.isArray(params.requiredProperties)) {
      for (const p of params.requiredProperties) out.set(`${base}/${p}`, 'is required');
    } else if (issue.keyword === 'additionalProperties' && Array.isArray(params.additionalProperties)) {
      for (const p of params.additionalProperties) out.set(`${base}/${p}`, 'is not an allowed field');
    } else if (issue.keyword === 'boolean' && issue.message === 'schema is false') {
      out.set(base || '/', 'is not an allowed field');
    } else if (!out.has(base || '/')) {
      out.set(base || '/', issue.message ?? 'is invalid');
    }
  }
  return [...out].map(([path, message]) => ({ path, message }));
}

/** Route schemas are TypeBox schemas, checked by TypeBox's compiler. */
export const validation = fp(
  async (app) => {
    app.setValidatorCompiler(TypeBoxValidatorCompiler);
  },
  { name: 'service-runtime.validation' },
);
