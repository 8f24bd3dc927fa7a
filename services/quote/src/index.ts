export { buildQuote, type BuildQuoteOptions } from './service.ts';
