// Loads the internals that public/proof.js exports when it runs under Node.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export default require('../../public/proof.js');
