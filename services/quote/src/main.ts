import { runMain } from '@smart-expertise/service-runtime';
import { buildQuote, migrations } from './service.ts';

// The quote service listens on 3002 unless PORT says otherwise.
await runMain(() => buildQuote({ PORT: '3002', ...process.env }), migrations);
