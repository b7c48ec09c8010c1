#!/usr/bin/env node
// The `sabre` command: runs the TypeScript entry through tsx's loader, so `npx sabre` and
// `npm start` work straight after `npm ci` without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
