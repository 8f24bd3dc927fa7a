// npm run demo: plays the main story and one alternative through the HTTP API, as users would,
// against the platform `npm start` runs (or one it brings up itself and stops afterwards).
import { bootstrap } from './bootstrap.mjs';

await bootstrap();
await import('./demo.ts');
