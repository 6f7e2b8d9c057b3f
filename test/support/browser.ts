/**
 * Which Chromium the browser tests drive (playwright-core), found in this order:
 *   1. `CARDIAC_UQ_CHROMIUM` (a path to any Chromium/Chrome binary);
 *   2. the Chromium build that the dev dependency `@sparticuz/chromium` ships inside its npm tarball
 *      (brotli-compressed, so `npm ci` brings it offline with no install script); it is inflated
 *      once into node_modules/.cache/cardiac-uq/chromium-<version>/ and reused;
 *   3. the system's: /usr/bin/chromium, then `chromium` / `chromium-browser` on PATH.
 * README "Dashboard" says what the tests need.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';

export interface ChromiumBinary {
  executablePath: string;
  /** Where it came from, for messages. */
  source: 'CARDIAC_UQ_CHROMIUM' | '@sparticuz/chromium' | 'system';
}

/** Flags for headless runs as root in a container (no setuid sandbox there), no network chatter. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const PACKAGE = '@sparticuz/chromium';

/** The package's folder, or null when it is not installed. */
function packageDir(): string | null {
  let main: string;
  try {
    main = require.resolve(PACKAGE); // <dir>/build/cjs/index.cjs
  } catch {
    return null;
  }
  let dir = path.dirname(main);
  while (
    !fs.existsSync(path.join(dir, 'package.json')) ||
    JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name !== PACKAGE
  ) {
    const up = path.dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
  return dir;
}

/**
 * Inflates the package's chromium.br once per version. Written to a temporary name and renamed, so
 * a second jest process never runs a half-written binary.
 */
async function packagedChromium(): Promise<string | null> {
  const dir = packageDir();
  if (!dir) return null;
  const archive = path.join(dir, 'bin', 'chromium.br');
  if (!fs.existsSync(archive)) return null;
  const { version } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string };
  const cacheDir = path.resolve(__dirname, '../../node_modules/.cache/cardiac-uq', `chromium-${version}`);
  const exe = path.join(cacheDir, 'chromium');
  if (fs.existsSync(exe)) return exe;
  fs.mkdirSync(cacheDir, { recursive: true });
  const partial = `${exe}.${process.pid}.partial`;
  try {
    await pipeline(
      fs.createReadStream(archive),
      zlib.createBrotliDecompress(),
      fs.createWriteStream(partial, { mode: 0o755 }),
    );
    fs.renameSync(partial, exe);
  } finally {
    fs.rmSync(partial, { force: true });
  }
  return exe;
}

function systemChromium(): string | null {
  const candidates = ['/usr/bin/chromium'];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const name of ['chromium', 'chromium-browser']) candidates.push(path.join(dir, name));
  }
  return (
    candidates.find((c) => {
      try {
        fs.accessSync(c, fs.constants.X_OK);
        return fs.statSync(c).isFile();
      } catch {
        return false;
      }
    }) ?? null
  );
}

export async function findChromium(env: NodeJS.ProcessEnv = process.env): Promise<ChromiumBinary> {
  const override = env.CARDIAC_UQ_CHROMIUM;
  if (override) {
    if (!fs.existsSync(override)) throw new Error(`CARDIAC_UQ_CHROMIUM=${override} does not exist`);
    return { executablePath: override, source: 'CARDIAC_UQ_CHROMIUM' };
  }
  const packaged = await packagedChromium();
  if (packaged) return { executablePath: packaged, source: PACKAGE };
  const system = systemChromium();
  if (system) return { executablePath: system, source: 'system' };
  throw new Error(
    `no Chromium found: run \`npm ci\` (the dev dependency ${PACKAGE} ships one), install the system's chromium, or set CARDIAC_UQ_CHROMIUM`,
  );
}
