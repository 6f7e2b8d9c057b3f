/**
 * `cardiac-uq keys create --name N --role R | list | revoke NAME | open-mode --confirm`: API keys
 * in the store (src/server/auth.ts). The secret is printed once, on stdout, by `create`; the store
 * keeps its SHA-256. Creating, revoking and returning to open mode are audit events by the local
 * actor (CARDIAC_UQ_ACTOR).
 */
import { Command, Option } from 'commander';
import { loadAuth } from '../lazy';
import { withStore } from '../store-access';

function fail(message: string): void {
  console.error(`cardiac-uq keys: ${message}`);
  process.exitCode = 2;
}

export function register(program: Command): void {
  const keys = program
    .command('keys')
    .description('API keys: create, list, revoke, open-mode (roles analyst, reviewer, operator, admin)');

  keys
    .command('create')
    .description('create a key; prints it once (store it now: only its hash is kept)')
    .requiredOption('--name <name>', 'who the key is for; recorded as the actor of what it starts')
    .addOption(
      new Option(
        '--role <role>',
        'analyst (read), reviewer (read, record review decisions), operator (start/cancel work, import, review), admin (keys)',
      )
        .choices(['analyst', 'reviewer', 'operator', 'admin'])
        .makeOptionMandatory(),
    )
    .action(async (options: { name: string; role: string }) => {
      const { createApiKey, parseRole, KeyError } = loadAuth();
      await withStore(async (store, config) => {
        try {
          const { key, record } = await createApiKey(store, {
            name: options.name,
            role: parseRole(options.role),
            actor: config.actor,
          });
          console.error(
            `created ${record.role.toLowerCase()} key "${record.name}" (prefix ${record.prefix}); it is shown once:`,
          );
          console.log(key);
          console.error('send it as "Authorization: Bearer <key>"');
        } catch (error) {
          if (error instanceof KeyError) return fail(error.message);
          throw error;
        }
      });
    });

  keys
    .command('list')
    .description('list keys (never their secrets)')
    .option('--json', 'JSON output')
    .action(async (options: { json?: boolean }) => {
      const { listApiKeys } = loadAuth();
      await withStore(async (store) => {
        const rows = await listApiKeys(store);
        if (options.json) {
          console.log(JSON.stringify(rows.map(({ id: _id, ...row }) => row)));
          return;
        }
        if (rows.length === 0) {
          console.log('no API keys (the server accepts local callers on loopback only, as admin)');
          return;
        }
        const iso = (d: Date | null) => (d ? d.toISOString() : '-');
        const table = [
          ['NAME', 'ROLE', 'PREFIX', 'CREATED', 'LAST USED', 'REVOKED'],
          ...rows.map((r) => [
            r.name,
            r.role.toLowerCase(),
            r.prefix,
            iso(r.createdAt),
            iso(r.lastUsed),
            iso(r.revokedAt),
          ]),
        ];
        const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
        for (const row of table)
          console.log(
            row
              .map((cell, i) => cell.padEnd(widths[i]))
              .join('  ')
              .trimEnd(),
          );
      });
    });

  keys
    .command('revoke')
    .description('revoke a key by name (takes effect within seconds on running servers)')
    .argument('<name>', "the key's name")
    .action(async (name: string) => {
      const { revokeApiKey, KeyError } = loadAuth();
      await withStore(async (store, config) => {
        try {
          const key = await revokeApiKey(store, name, config.actor);
          console.error(`revoked key "${key.name}" (prefix ${key.prefix})`);
        } catch (error) {
          if (error instanceof KeyError) return fail(error.message);
          throw error;
        }
      });
    });

  keys
    .command('open-mode')
    .description('with every key revoked: let local callers on loopback in without a key again, as admin (audited)')
    .option('--confirm', 'yes: anyone on this machine becomes admin')
    .action(async (options: { confirm?: boolean }) => {
      if (!options.confirm) {
        return fail('open mode makes every local caller an admin without a key; run again with --confirm to do it');
      }
      const { returnToOpenMode, KeyError } = loadAuth();
      await withStore(async (store, config) => {
        try {
          await returnToOpenMode(store, config.actor);
          console.error(
            'open mode: servers on loopback accept local callers without a key, as admin (within seconds); creating a key closes it again',
          );
        } catch (error) {
          if (error instanceof KeyError) return fail(`cannot return to open mode: ${error.message}`);
          throw error;
        }
      });
    });
}
