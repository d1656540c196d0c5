// Package schema embeds degen's CUE schema and its generic policies, so that
// a model's repository holds only the model and its cue.mod/module.cue. The
// files are the CUE module degen.dev/schema@v1 (cue.mod/module.cue here):
//
//   - schema.cue, package schema: the closed definitions every model is
//     checked against (a model imports "degen.dev/schema");
//   - policies/*.cue, package policies: the rules every environment of every
//     model is checked against, and the contract (policies/policy.cue) a
//     model's own policies/ directory is evaluated with.
//
// The loader (generator/load) serves the module to CUE from memory. Nothing
// here imports CUE: this package only carries the files and their version.
package schema

import (
	"embed"
	"io/fs"
)

// Module is the CUE module path, with its major version, that models depend
// on in cue.mod/module.cue.
const Module = "degen.dev/schema@v1"

// ImportPath is what a model's files import.
const ImportPath = "degen.dev/schema"

// Version is the version of the module this binary serves. A model written
// for an older v1 version is served this one (minor versions only add); a
// model that asks for a newer one, or another major version, is refused
// with advice to upgrade degen.
//
// Raise the minor version when the schema gains a field or a definition,
// the patch version for a fix, and the major version (a new Module) when a
// model valid before could be refused.
const Version = "v1.0.0"

// PoliciesDir is the directory of the generic policies inside Files.
const PoliciesDir = "policies"

// ContractFile is the file of PoliciesDir that declares the shape of a rule
// (env, #Severity, #Violation, rules, overrides, the stage severities). A
// model's own policies/ package is evaluated with it.
const ContractFile = "policy.cue"

//go:embed cue.mod/module.cue schema.cue policies/*.cue
var files embed.FS

// Files returns the module's files: cue.mod/module.cue, schema.cue and
// policies/*.cue.
func Files() fs.FS { return files }
