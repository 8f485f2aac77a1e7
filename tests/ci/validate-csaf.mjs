// Validates CSAF 2.0 documents with the BSI's csaf-validator-lib (the validator behind Secvisogram):
// its `basic` preset, that is the strict CSAF 2.0 JSON schema and every mandatory test of the
// standard's section 6.1 (the lib skips 6.1.8, which the schema covers), among them the profile
// tests 6.1.27.x that a csaf_vex document must pass. Usage: node validate-csaf.mjs FILE...
// Prints each error (and warning) with the test's name and JSON pointer, then "FILE: valid" or
// "FILE: INVALID"; exits 1 if any document is invalid, 2 on an unreadable file or no arguments.
import { readFileSync } from 'node:fs'

const files = process.argv.slice(2)
if (files.length === 0) {
  console.error('usage: node validate-csaf.mjs FILE...')
  process.exit(2)
}
const documents = files.map((file) => {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    console.error(`${file}: cannot read: ${error.message}`)
    process.exit(2)
  }
})

// Loaded after the files are read: importing the tests takes seconds.
// Every export of basic.js is a test. The plain `validate`, not `validateStrict`: the strict one
// only refuses test functions the lib does not define, and these are all the lib's own, but it
// imports every optional and informative test to know them, 5 to 12 s more per run here.
const basic = await import('@secvisogram/csaf-validator-lib/basic.js')
const { default: validate } = await import('@secvisogram/csaf-validator-lib/validate.js')
const tests = Object.values(basic)
if (tests.length < 40 || !tests.every((test) => typeof test === 'function')) {
  console.error(`csaf-validator-lib's basic.js: ${tests.length} exports, not the expected tests`)
  process.exit(2)
}

let failed = false
for (const [index, file] of files.entries()) {
  // The result is { isValid, tests: [{ name, isValid, errors, warnings, infos }] } (the README's
  // `Result` interface, with top-level errors, is not what this version returns).
  const result = await validate(tests, documents[index])
  const errors = result.tests.flatMap((test) => test.errors.map((error) => ({ ...error, test: test.name })))
  const warnings = result.tests.flatMap((test) => test.warnings.map((warning) => ({ ...warning, test: test.name })))
  for (const warning of warnings) console.log(`${file}: warning: ${warning.test}: ${warning.instancePath}: ${warning.message}`)
  for (const error of errors) console.log(`${file}: error: ${error.test}: ${error.instancePath}: ${error.message}`)
  if (result.isValid && errors.length === 0 && result.tests.every((test) => test.isValid)) {
    console.log(`${file}: valid (${result.tests.length} tests)`)
  } else {
    console.log(`${file}: INVALID`)
    failed = true
  }
}
process.exit(failed ? 1 : 0)
