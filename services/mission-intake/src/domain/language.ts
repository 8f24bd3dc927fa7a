import type { Language } from '@smart-expertise/contracts/tracking-messages';

const supported: readonly string[] = ['fr', 'nl', 'en'];

/**
 * The tracking language from an Accept-Language header (RFC 9110): the supported language with the
 * highest weight, matching on the primary subtag ("nl-BE" is Dutch); French when none matches.
 */
export function languageOf(header: string | undefined): Language {
  let best: Language = 'fr';
  let bestQ = 0;
  for (const part of (header ?? '').split(',')) {
    const [tag = '', ...params] = part.trim().split(';');
    const primary = tag.trim().toLowerCase().split('-')[0] ?? '';
    if (!supported.includes(primary)) continue;
    const qParam = params.map((p) => p.trim().toLowerCase()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    // Equal weights keep the first listed, as the client listed them in preference order.
    if (Number.isFinite(q) && q > bestQ) {
      best = primary as Language;
      bestQ = q;
    }
  }
  return best;
}
