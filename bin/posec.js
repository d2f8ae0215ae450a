#!/usr/bin/env node
import "../dist/posec.js";
