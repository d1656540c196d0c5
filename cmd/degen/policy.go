package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/policy"
	"github.com/degen-dev/degen/generator/textesc"
)

// policyFlags is --policy-report, shared by build and vet.
type policyFlags struct {
	report string
	strict bool
}

func (f *policyFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.report, "policy-report", "", `"json" prints the policy report as JSON on stdout (the command's summary then goes to stderr)`)
	cmd.Flags().BoolVar(&f.strict, "strict", false, "fail (exit 1, nothing written) on any warning the model does not acknowledge, policy warnings included")
}

// strictErr is the error --strict makes of the warnings left: target
// warnings the model did not acknowledge and policy warnings.
func (f *policyFlags) strictErr(res *generator.Result) error {
	if !f.strict || res == nil {
		return nil
	}
	n := len(res.Warnings)
	if res.Policy != nil {
		n += len(res.Policy.Warnings())
	}
	if n == 0 {
		return nil
	}
	return fmt.Errorf("%d warning(s) and --strict: fix them, acknowledge a target's warning in the model (acknowledge: \"ID\": \"why\", the ID in brackets above), or override a policy's severity in policies/", n)
}

func (f *policyFlags) check() error {
	if f.report != "" && f.report != "json" {
		return usageErr("--policy-report must be json, not %q", f.report)
	}
	return nil
}

// summary is where the command's one-line summary goes: stdout, unless
// stdout carries the JSON report.
func (f *policyFlags) summary(stdout, stderr io.Writer) io.Writer {
	if f.report == "json" {
		return stderr
	}
	return stdout
}

// build runs generator.Build with policies and the leak check, prints policy
// warnings to stderr and, with --policy-report json, the report to stdout,
// denied or not. A deny comes back as the error. The model is returned for
// what a caller needs of it (nil after an error).
func (f *policyFlags) build(opts generator.Options, stdout, stderr io.Writer) (*generator.Result, *model.Model, error) {
	opts.Policies = true
	opts.Getenv = os.Getenv
	m, res, err := generator.Build(opts)
	var rep *policy.Report
	var denied *policy.DeniedError
	switch {
	case errors.As(err, &denied):
		rep = denied.Report
	case err != nil:
		return nil, nil, err
	default:
		rep = res.Policy
	}
	if perr := f.print(rep, stdout); perr != nil {
		return nil, nil, perr
	}
	return res, m, err
}

// print prints the report's warnings to stderr (unless a denial, which
// lists them after its own lines, is to come) and, with --policy-report
// json, the report to stdout.
func (f *policyFlags) print(rep *policy.Report, stdout io.Writer) error {
	if f.report == "json" {
		data, err := rep.JSON()
		if err != nil {
			return err
		}
		if _, err := io.WriteString(stdout, textesc.JSON(string(data))); err != nil {
			return err
		}
	}
	return nil
}
