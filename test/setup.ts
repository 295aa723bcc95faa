import fc from 'fast-check';

// Property tests are deterministic: one seed for every run (CI and local).
// Explore other inputs with FC_SEED=<n> npm test; a failure prints the seed and path to replay.
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261125) });
