#!/usr/bin/env node
/**
 * Entry point of the `attn-phase` command: installs the SIGINT/SIGTERM
 * handlers before anything else loads (the commands' modules — vega, sharp —
 * take a second or more), then loads the command line (main.ts).
 */
import './signals.js';

await import('./main.js');
