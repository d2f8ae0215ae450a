#!/usr/bin/env node
import "./ensure-built.js";
await import("../dist/posec.js");
