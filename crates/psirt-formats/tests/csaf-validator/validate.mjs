// Test oracle: runs the CSAF 2.0 mandatory tests (6.1.x) and the schema test of
// @secvisogram/csaf-validator-lib over every `.json` file given (files or directories),
// in one process. Prints every error; exits 1 if any document fails, 2 on a usage error.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import validate from '@secvisogram/csaf-validator-lib/validate.js'
import * as mandatory from '@secvisogram/csaf-validator-lib/mandatoryTests.js'
import { csaf_2_0 } from '@secvisogram/csaf-validator-lib/schemaTests.js'

const args = process.argv.slice(2)
if (args.length === 0) {
  console.error('usage: node validate.mjs <file-or-dir>...')
  process.exit(2)
}

const files = []
for (const arg of args) {
  if (statSync(arg).isDirectory()) {
    for (const name of readdirSync(arg).sort()) {
      if (name.endsWith('.json')) files.push(join(arg, name))
    }
  } else {
    files.push(arg)
  }
}
if (files.length === 0) {
  console.error('no .json files found')
  process.exit(2)
}

const tests = [csaf_2_0, ...Object.values(mandatory)]
let failed = 0
for (const file of files) {
  const doc = JSON.parse(readFileSync(file, 'utf8'))
  const result = await validate(tests, doc)
  if (!result.isValid) {
    failed++
    for (const t of result.tests) {
      for (const e of t.errors) {
        console.log(`${file}: ${t.name}: ${e.instancePath}: ${e.message}`)
      }
    }
  }
}
console.log(`csaf-validator-lib: ${files.length - failed}/${files.length} documents pass ${tests.length} tests`)
process.exit(failed === 0 ? 0 : 1)
