// The tracepipe command line. createProgram() builds a fresh commander program (tests build one
// per case); each command lives in commands/<name>.ts and registers itself. Commands throw
// errors (CliError for known ones); only bin.ts prints them and exits.
import { Command } from 'commander';
import { VERSION } from './version.js';
import { addElfOptionsTo } from './elf-option.js';
import { register as registerRun } from './commands/run.js';
import { register as registerCapture } from './commands/capture.js';
import { register as registerDecode } from './commands/decode.js';
import { register as registerStats } from './commands/stats.js';
import { register as registerDemo } from './commands/demo.js';
import { register as registerFlash } from './commands/flash.js';
import { register as registerPorts } from './commands/ports.js';
import { register as registerExport } from './commands/export.js';
import { register as registerView } from './commands/view.js';
import { register as registerDump } from './commands/dump.js';

export interface ProgramOptions {
  /** where commander writes its own usage errors and help (default: the process streams) */
  writeOut?: (text: string) => void;
  writeErr?: (text: string) => void;
}

export function createProgram(options: ProgramOptions = {}): Command {
  const program = new Command('tracepipe');
  program
    .description('Event tracer for bare-metal ARM MCUs: capture, decode and account for every event.')
    .version(VERSION, '-V, --version')
    .showSuggestionAfterError(true)
    // Commander would call process.exit; bin.ts does that instead, and tests inspect the error.
    .exitOverride()
    .configureOutput({
      writeOut: options.writeOut ?? ((s) => process.stdout.write(s)),
      writeErr: options.writeErr ?? ((s) => process.stderr.write(s)),
      // One line, in the same form as every other error.
      outputError: (text, write) => write(`tracepipe: ${text.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').trim()}\n`),
    });

  registerRun(program);
  registerCapture(program);
  registerDecode(program);
  registerStats(program);
  registerDemo(program);
  registerFlash(program);
  registerPorts(program);
  registerExport(program);
  registerView(program);
  registerDump(program);
  addElfOptionsTo(program);
  return program;
}
