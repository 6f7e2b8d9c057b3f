import fs from 'node:fs';

export default async function globalTeardown() {
  const state = globalThis.__CUQ_EMBEDDED__;
  if (!state) return;
  await state.cluster.stop();
  fs.rmSync(state.dir, { recursive: true, force: true });
}
