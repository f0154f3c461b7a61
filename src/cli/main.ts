#!/usr/bin/env node
/**
 * attn-phase command line: thin commands that parse flags and call the library.
 */
import './signals.js'; // first: SIGINT/SIGTERM handlers before the heavy modules load
import { Command, CommanderError } from 'commander';
import { registerPlot } from './plot.js';
import { registerRun } from './run.js';
import { registerSlurm } from './slurm.js';
import { registerStatus } from './status.js';
import { registerTrain } from './train.js';
import { fail } from './errors.js';
import { UsageError } from '../core/errors.js';

const program = new Command();
program
  .name('attn-phase')
  .description('Phase diagrams of benign overfitting in attention token selection (Sakamoto & Sato, ICML 2025)')
  .version('0.1.0')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s.startsWith('error:') ? `attn-phase: ${s}` : s) });

registerRun(program);
registerStatus(program);
registerTrain(program);
registerPlot(program);
registerSlurm(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  if (e instanceof CommanderError) {
    if (e.exitCode === 0) process.exit(0);
    process.exit(e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2);
  }
  if (e instanceof UsageError) fail(e);
  fail(e);
});
