import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Starting a server (migrations, bootstrap) can take a while on a loaded machine.
    hookTimeout: 60_000,
  },
});
