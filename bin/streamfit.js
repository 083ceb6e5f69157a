#!/usr/bin/env -S node --max-semi-space-size=32
// A 32 MiB young generation (Node 20's default is 16): a scorer's records live for a few round
// trips, long enough to be promoted out of a 16 MiB one and then collected by full GCs. With 32
// exactly-once scoring ran 10-15% faster in bench/score.ts, for about 100 MiB more RSS. The
// Dockerfile's ENTRYPOINT passes the same flag; `node bin/streamfit.js` runs without it.
// The CLI is compiled ahead of time (npm ci runs `prepare`), so starting it costs no TypeScript.
import '../dist/src/cli.js'
