#!/usr/bin/env node
// The `flowpact` executable: registers tsx so the TypeScript sources run as they are (no build
// step), then hands over to main.ts.
require("tsx/cjs/api").register();
require("./main.ts");
