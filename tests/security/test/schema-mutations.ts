// Invalid and hostile variants of a request, derived from its JSON schema (the OpenAPI document):
// fast-check arbitraries that break one slot of a valid body, parameter or query at a time.
import fc from 'fast-check';

export type Schema = {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  minItems?: number;
  $ref?: string;
};

/** A slot of a body: its JSON path and schema. Arrays contribute their first item. */
export interface Slot {
  path: (string | number)[];
  schema: Schema;
  required: boolean;
}

export function slotsOf(schema: Schema, path: (string | number)[] = [], required = true, depth = 0): Slot[] {
  const out: Slot[] = [{ path, schema, required }];
  if (depth > 6) return out;
  if (schema.properties) {
    for (const [key, child] of Object.entries(schema.properties)) out.push(...slotsOf(child, [...path, key], schema.required?.includes(key) ?? false, depth + 1));
  }
  if (schema.items) out.push(...slotsOf(schema.items, [...path, 0], true, depth + 1));
  return out;
}

export function setAt(value: unknown, path: (string | number)[], replacement: unknown, remove = false): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const container = (Array.isArray(value) ? [...value] : value && typeof value === 'object' ? { ...(value as object) } : typeof head === 'number' ? [] : {}) as Record<string | number, unknown>;
  if (rest.length === 0 && remove) delete container[head!];
  else container[head!] = setAt(container[head!], rest, replacement, remove);
  return container;
}

const SQL = ["' OR '1'='1", "'; DROP TABLE missions; --", '1; SELECT pg_sleep(10)--', "\\'; TRUNCATE outbox; --", '$$; DELETE FROM quotes; $$'];
const SCRIPT = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)', '{{7*7}}', '${jndi:ldap://evil/x}', '%s%s%s%n'];
const UNICODE = ['\u202Eevil\u202C', 'Z\u0351\u0352\u0353\u0354\u0355a\u0300\u0301\u0302', '\uFEFFbom', '😀👨‍👩‍👧‍👦🏳️‍🌈', '\u200B\u200C\u200D', 'ǅǈǋ İ ß ﬁ', '\u0085\u2028\u2029', 'Ω≈ç√∫˜µ≤≥÷'];
const TRAVERSAL = ['../../etc/passwd', '..\\..\\windows\\win.ini', '/etc/passwd', '%2e%2e%2f%2e%2e%2fetc%2fpasswd', '....//....//', 'file:///etc/passwd'];
/** Strings PostgreSQL cannot store: refused by the runtime's JSON parser. */
const UNSTORABLE = ['a\u0000b', '\u0000', 'x\ud800', '\udfff', 'a\ud83dz'];
export const HOSTILE_STRINGS = [...SQL, ...SCRIPT, ...UNICODE, ...TRAVERSAL];

const typesOf = (s: Schema): string[] => (s.anyOf ? s.anyOf.flatMap(typesOf) : s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type]);
const literalsOf = (s: Schema): unknown[] | null => {
  if (s.enum) return s.enum;
  if ('const' in s) return [s.const];
  if (s.anyOf && s.anyOf.every((a) => a.enum || 'const' in a)) return s.anyOf.flatMap((a) => literalsOf(a) ?? []);
  return null;
};

function matchesType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
    default:
      return false;
  }
}

function deepNesting(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = i % 2 ? [value] : { a: value };
  return value;
}

/** Values the schema certainly refuses: the answer must be 4xx and nothing may be written. */
export function invalidFor(schema: Schema, base: unknown): fc.Arbitrary<unknown>[] {
  const types = typesOf(schema);
  const out: fc.Arbitrary<unknown>[] = [];
  if (types.length > 0) {
    const wrong = [0, -1.5, 2 ** 53 + 2, true, null, {}, [], 'text', { $gt: '' }, ['a', 1], deepNesting(200)].filter((v) => !types.some((t) => matchesType(v, t)));
    if (wrong.length > 0) out.push(fc.constantFrom(...wrong));
  }
  const literals = literalsOf(schema);
  if (literals) out.push(fc.constantFrom(...['not-a-member', '', 'NEW', ...SQL, 'x'.repeat(10_000)].filter((v) => !literals.includes(v))));
  if (types.includes('string') && !literals) {
    if (schema.maxLength !== undefined) out.push(fc.constantFrom('x'.repeat(schema.maxLength + 1), '😀'.repeat(schema.maxLength + 1), 'y'.repeat(Math.min(200_000, schema.maxLength * 50 + 1))));
    if ((schema.minLength ?? 0) > 0) out.push(fc.constant(''));
    if (schema.pattern) {
      const re = new RegExp(schema.pattern, 'u');
      const failing = [...HOSTILE_STRINGS, ' ', 'a b', 'é'].filter((v) => !re.test(v));
      if (failing.length > 0) out.push(fc.constantFrom(...failing));
    }
    out.push(fc.constantFrom(...UNSTORABLE));
  }
  for (const t of ['integer', 'number']) {
    if (!types.includes(t)) continue;
    const bad: number[] = [];
    if (schema.minimum !== undefined) bad.push(schema.minimum - 1, schema.minimum - 1e12, -1e308);
    if (schema.maximum !== undefined) bad.push(schema.maximum + 1, schema.maximum * 1e6 + 7, 1e308);
    if (t === 'integer') bad.push(1.5, 0.1, -2.25);
    if (bad.length > 0) out.push(fc.constantFrom(...bad));
    out.push(fc.constantFrom('12', '1e3', 'NaN', 'Infinity'));
  }
  if (types.includes('object') && schema.properties) {
    const required = schema.required ?? [];
    if (required.length > 0 && base && typeof base === 'object') {
      out.push(fc.constantFrom(...required).map((key) => ({ ...(base as object), [key]: undefined })));
    }
    if (schema.additionalProperties === false && base && typeof base === 'object') {
      out.push(
        fc.constantFrom('extra', '__proto__x', 'constructor', 'isAdmin', 'role', 'org', '$where', 'a'.repeat(5000)).map((key) => ({ ...(base as object), [key]: deepNesting(50) })),
      );
    }
  }
  if (types.includes('array')) {
    if (schema.maxItems !== undefined) {
      const item = Array.isArray(base) && base.length > 0 ? base[0] : 'x';
      out.push(fc.constant(Array.from({ length: schema.maxItems + 1 }, () => item)));
    }
    if ((schema.minItems ?? 0) > 0) out.push(fc.constant([]));
  }
  return out;
}

/** Values the schema may accept but that are hostile: the answer must never be a 5xx. */
export function hostileFor(schema: Schema): fc.Arbitrary<unknown>[] {
  const types = typesOf(schema);
  const out: fc.Arbitrary<unknown>[] = [];
  if (types.includes('string') && !literalsOf(schema)) {
    const fits = (v: string) => v.length >= (schema.minLength ?? 0) && v.length <= (schema.maxLength ?? Infinity) && (!schema.pattern || new RegExp(schema.pattern, 'u').test(v));
    const candidates = HOSTILE_STRINGS.filter(fits);
    if (candidates.length > 0) out.push(fc.constantFrom(...candidates));
    // Random unicode text (emoji, combining marks, other scripts) where the schema takes free text.
    if (!schema.pattern && !schema.format) out.push(fc.string({ unit: 'grapheme', minLength: Math.max(1, schema.minLength ?? 1), maxLength: Math.min(schema.maxLength ?? 40, 40) }).filter(fits));
    if (schema.format) out.push(fc.constantFrom('2026-02-30', '0000-00-00', '9999-12-31', '2026-01-01T25:61:61Z', '1970-01-01T00:00:00+14:00', '+275760-09-13', 'not-a-date', 'a@b', 'x@' + 'y'.repeat(250)));
  }
  for (const t of ['integer', 'number']) {
    if (!types.includes(t)) continue;
    const lo = schema.minimum ?? -1e15;
    const hi = schema.maximum ?? 1e15;
    out.push(fc.constantFrom(lo, hi, 0, -0, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e308, 2 ** 31, 2 ** 63).filter((v) => v >= lo && v <= hi && (t === 'number' || Number.isInteger(v))));
    out.push(t === 'integer' ? fc.integer({ min: Math.max(lo, -(2 ** 40)), max: Math.min(hi, 2 ** 40) }) : fc.double({ min: lo, max: hi, noNaN: true }));
  }
  return out;
}
