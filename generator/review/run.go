package review

import (
	"fmt"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/diff"
	"github.com/degen-dev/degen/generator/target"
)

// Request selects the two sides of a diff. The new side is always a fresh
// build of the model in Dir; the old side is out/ (the default), the model
// at the git revision Base, or the environment Against.
type Request struct {
	// Dir is the root of the model's CUE module.
	Dir string
	// Out is the output tree read in the default mode.
	Out string
	// Envs restricts the comparison; nil means every environment. With
	// Against it must name exactly one environment.
	Envs []string
	// Base is a git revision whose model's output is the old side.
	Base string
	// Against is an environment whose files are the old side, matched to
	// the files of Envs[0] path by path.
	Against string
	// Targets are the targets to run.
	Targets []target.Target
	// Raw compares Kubernetes files as written rather than each overlay's
	// kustomize build (see diff.Options.Raw).
	Raw bool
}

// UsageError is a request that makes no sense.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Run builds both sides of req and compares them.
func Run(req Request) (*diff.Report, error) {
	opts := generator.Options{Dir: req.Dir, Envs: req.Envs, Targets: req.Targets}
	switch {
	case req.Against != "" && req.Base != "":
		return nil, &UsageError{"--base and --against exclude each other: compare with a revision or with an environment"}
	case req.Against != "":
		return against(req, opts)
	case req.Base != "":
		return base(req, opts)
	}
	// A corrupt out/ is found before the slower build.
	old, err := ReadOut(req.Out, req.Envs)
	if err != nil {
		return nil, err
	}
	_, res, err := generator.Build(opts)
	if err != nil {
		return nil, err
	}
	rep, err := diff.Compare(old, res.Files, diff.Options{OldName: "out/", NewName: "the build", Raw: req.Raw})
	if err != nil {
		return nil, fmt.Errorf("%w (out/ was edited by hand or is corrupt: restore it from git or run degen build)", err)
	}
	return rep, nil
}

// base compares the output of the model at req.Base (old) with a build of
// the work tree (new).
func base(req Request, opts generator.Options) (*diff.Report, error) {
	// A wrong revision is found before the slower builds.
	if _, err := resolve(req.Dir, req.Base); err != nil {
		return nil, err
	}
	_, res, err := generator.Build(opts)
	if err != nil {
		return nil, err
	}
	old, err := BuildAt(req.Base, opts)
	if err != nil {
		return nil, err
	}
	return diff.Compare(old.Files, res.Files, diff.Options{OldName: req.Base, NewName: "the work tree", Raw: req.Raw})
}

// against compares the files of req.Against (old) with those of the one
// environment of req.Envs (new).
func against(req Request, opts generator.Options) (*diff.Report, error) {
	if len(req.Envs) != 1 {
		return nil, &UsageError{"--against compares two environments: name exactly one with --env, e.g. --env prod --against staging"}
	}
	env := req.Envs[0]
	opts.Envs = []string{env}
	if req.Against != env {
		opts.Envs = append(opts.Envs, req.Against)
	}
	_, res, err := generator.Build(opts)
	if err != nil {
		return nil, err
	}
	return diff.Compare(EnvFiles(res, req.Against), EnvFiles(res, env), diff.Options{
		Raw:             req.Raw,
		OldName:         fmt.Sprintf("environment %s", req.Against),
		NewName:         fmt.Sprintf("environment %s", env),
		PathKey:         diff.EnvPathKey(env, req.Against),
		IDKey:           diff.EnvIDKey(env, req.Against),
		ValueKey:        diff.EnvValueKey(env, req.Against),
		IgnoreNamespace: true,
	})
}
