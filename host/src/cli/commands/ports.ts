// tracepipe ports: the serial ports on this machine, their USB identity, and the tracepipe
// board each one probably is.
import type { Command } from 'commander';
import { findRepoRoot } from '../../io/repo.js';
import { choosePort, formatTable, listSerialPorts, loadUsbIdentities, portRows, rankPorts } from '../../io/ports.js';
import { CliIo } from '../output.js';

export function register(program: Command, io = new CliIo()): void {
  program
    .command('ports')
    .description('list serial ports with their USB VID:PID and the board each one probably is')
    .option('--json', 'print one JSON object: where the list came from, every port with its identity, and what capture would open')
    .action(async (opts: { json?: boolean }) => {
      const known = loadUsbIdentities(findRepoRoot());
      const { source, ports } = await listSerialPorts();
      const choice = choosePort(ports, known);
      if (opts.json) {
        const doc = {
          source,
          ports: rankPorts(ports, known).map(({ guess, ...p }) => ({ ...p, ...(guess ? { probably: guess } : {}) })),
          capture: choice.port !== undefined ? { port: choice.port, reason: choice.reason } : { port: null, reason: choice.message },
        };
        io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        return;
      }
      if (ports.length === 0) {
        io.stdout.write('no serial ports found\n');
        return;
      }
      io.stdout.write(formatTable(portRows(ports, known)));
      io.stdout.write(
        choice.port !== undefined ? `capture without --port would open ${choice.port}\n` : `capture without --port: ${choice.message}\n`,
      );
    });
}
