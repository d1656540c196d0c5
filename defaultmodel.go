// Package degen carries the default model that ships in this repository
// (the seed's stock-market data pipeline), so that `degen init --example
// default` can write it into a new repository with the binary alone. The
// model is the CUE in envs/ and policies/ and the repository files it
// mounts, in infra/; the tool is cmd/degen.
package degen

import (
	"embed"
	"io/fs"
)

//go:embed envs/*.cue policies/*.cue infra
var defaultModel embed.FS

// DefaultModel returns the default model's files: envs/*.cue,
// policies/*.cue and infra/, by their paths from the model's root.
func DefaultModel() fs.FS { return defaultModel }
