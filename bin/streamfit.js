#!/usr/bin/env node
// The CLI is compiled ahead of time (npm ci runs `prepare`), so starting it costs no TypeScript.
import '../dist/src/cli.js'
