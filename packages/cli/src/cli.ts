import { CLIENT_COMMANDS, runClientCommand } from './client-commands.js';
import { CliError, EXIT, UsageError, type Io } from './io.js';

export const HELP = `Usage: gatehouse <command> [options]

Server (on the server's machine, with its settings: flags or GATEHOUSE_* variables):
  serve                      start the server (the same as npm start)
  migrate                    apply database migrations
  admin create               create an Admin (password on stdin)
  admin token                break-glass: write a token to the database and print it once

Client (against a server: --url/--token, GATEHOUSE_URL/GATEHOUSE_TOKEN, or gatehouse login):
${CLIENT_COMMANDS.map((c) => `  ${c.name.padEnd(27)}${c.summary.split(/[.:\n]/)[0]}`).join('\n')}

Exit codes: 0 ok, 1 error, 2 usage, 3 authentication or permission.
Run gatehouse <command> --help for its options and examples.

Examples:
  gatehouse serve --port 8000
  gatehouse login --url https://gatehouse.example.com
  gatehouse service-accounts create --name "Nightly ETL" --role Editor
  gatehouse tokens create --name etl --user nightly_etl@service --expires-in-days 90
  gatehouse tokens list --service --json
`;

/** Runs one command line; resolves to the exit code (-1: keep running, for serve). */
export async function run(argv: string[], io: Io): Promise<number> {
  try {
    const [first, second] = argv;
    if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
      (first === undefined ? io.stderr : io.stdout).write(HELP);
      return first === undefined ? EXIT.USAGE : EXIT.OK;
    }
    if (first === '--version' || first === 'version') {
      io.stdout.write('gatehouse 0.1.0\n');
      return EXIT.OK;
    }
    const wantsHelp = argv.includes('--help') || argv.includes('-h');
    if (first === 'serve' || first === 'migrate') {
      // Loaded only for these commands: client commands start without the server's dependencies.
      const { runServerCommand } = await import('@gatehouse/server');
      return await runServerCommand(argv, io);
    }
    if (first === 'admin') {
      const { adminCommand, ADMIN_HELP } = await import('./admin-commands.js');
      if (wantsHelp) return io.stdout.write(ADMIN_HELP), EXIT.OK;
      return await adminCommand(argv.slice(1), io);
    }
    const two = CLIENT_COMMANDS.find((c) => c.name === `${first} ${second}`);
    const one = CLIENT_COMMANDS.find((c) => c.name === first);
    const cmd = two ?? one;
    if (!cmd) {
      const group = CLIENT_COMMANDS.filter((c) => c.name.startsWith(`${first} `));
      if (group.length > 0) {
        const list = group.map((c) => `  gatehouse ${c.usage}`).join('\n');
        if (wantsHelp) return io.stdout.write(`Commands:\n${list}\n`), EXIT.OK;
        throw new UsageError(second ? `unknown command "${first} ${second}"` : `${first} needs a command`, `Commands:\n${list}\n`);
      }
      throw new UsageError(`unknown command "${first}"`, HELP);
    }
    return await runClientCommand(cmd, argv.slice(two ? 2 : 1), io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(`gatehouse: ${e.message}\n${e.usage ? `\n${e.usage}` : ''}`);
      return EXIT.USAGE;
    }
    if (e instanceof Error && e.name === 'ConfigError') {
      io.stderr.write(`gatehouse: configuration error: ${e.message}\n`);
      return EXIT.USAGE;
    }
    if (e instanceof CliError) {
      io.stderr.write(`gatehouse: ${e.message}\n`);
      return e.code;
    }
    io.stderr.write(`gatehouse: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return EXIT.ERROR;
  }
}
