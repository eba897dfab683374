// Moved to src/lab (the lab demo is part of the product); re-exported for the tests.
export * from '../../src/lab/batch.js';
