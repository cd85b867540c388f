// tracepipe ports: the serial ports on this machine, their USB identity, and the tracepipe
// board each one probably is.
import type { Command } from 'commander';
import { formatTable, listSerialPorts, portRows, choosePort } from '../../io/ports.js';
import { CliIo } from '../output.js';

export function register(program: Command, io = new CliIo()): void {
  program
    .command('ports')
    .description('list serial ports with their USB VID:PID and the board each one probably is')
    .action(async () => {
      const ports = await listSerialPorts();
      if (ports.length === 0) {
        io.stdout.write('no serial ports found\n');
        return;
      }
      io.stdout.write(formatTable(portRows(ports)));
      const choice = choosePort(ports);
      io.stdout.write(
        choice.port !== undefined ? `capture without --port would open ${choice.port}\n` : `capture without --port: ${choice.message}\n`,
      );
    });
}
