package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/degen-dev/degen/generator"
	"github.com/degen-dev/degen/generator/policy"
)

// policyFlags is --policy-report, shared by build and vet.
type policyFlags struct {
	report string
}

func (f *policyFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.report, "policy-report", "", `"json" prints the policy report as JSON on stdout (the command's summary then goes to stderr)`)
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
// denied or not. A deny comes back as the error.
func (f *policyFlags) build(opts generator.Options, stdout, stderr io.Writer) (*generator.Result, error) {
	opts.Policies = true
	opts.Getenv = os.Getenv
	_, res, err := generator.Build(opts)
	var rep *policy.Report
	var denied *policy.DeniedError
	switch {
	case errors.As(err, &denied):
		rep = denied.Report
	case err != nil:
		return nil, err
	default:
		rep = res.Policy
	}
	if denied == nil { // a denial lists the warnings after its own lines
		for _, v := range rep.Warnings() {
			fmt.Fprintln(stderr, v)
		}
	}
	if f.report == "json" {
		data, jerr := rep.JSON()
		if jerr != nil {
			return nil, jerr
		}
		if _, jerr := stdout.Write(data); jerr != nil {
			return nil, jerr
		}
	}
	return res, err
}
