package main

import (
	"errors"
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"

	"github.com/degen-dev/degen/generator/explain"
	"github.com/degen-dev/degen/generator/load"
	"github.com/degen-dev/degen/generator/model"
	"github.com/degen-dev/degen/generator/targets"
	"github.com/degen-dev/degen/generator/textesc"
	"github.com/degen-dev/degen/generator/writer"
)

// isFileArg reports whether an explain argument names a file rather than
// a model path or a field of a generated object: it has a slash and is
// not KIND/NAME.FIELD.
func isFileArg(arg string) bool {
	file, _, _ := strings.Cut(arg, "#")
	return strings.Contains(file, "/") && !explain.IsObjectField(arg)
}

// explainOut explains a line of a file of out/: out/FILE[:LINE|#FIELD],
// relative to the working directory (or absolute). A file outside out/,
// one degen did not write, or a line it cannot attribute is a misuse
// (exit 2) naming what it can explain.
func explainOut(g *globals, stdout io.Writer, arg, format string) error {
	ref, err := explain.ParseOutRef(arg)
	if err != nil {
		return usageErr("%w", err)
	}
	out, err := filepath.Abs(g.outDir())
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(ref.File)
	if err != nil {
		return err
	}
	rel, err := filepath.Rel(out, abs)
	if err != nil || !filepath.IsLocal(rel) {
		return usageErr("%s is not a file under out/ (%s): explain takes a file of out/, e.g. degen explain out/flags/prod/flags.json:2, or a model path with --env", textesc.Line(ref.File), textesc.Line(g.outDir()))
	}
	ref.File = filepath.ToSlash(rel)
	idx, files, err := writer.ReadOut(g.outDir(), func(p string, _ writer.IndexEntry) bool { return p == ref.File })
	if err != nil {
		return err
	}
	entry, written := idx.Files[ref.File]
	data, present := files[ref.File]
	if !written || !present {
		return usageErr("degen did not write out/%s (it is not in out/%s): %s", textesc.Line(ref.File), writer.IndexName, writtenNear(idx, ref.File))
	}
	m, err := load.Load(load.Options{Dir: g.dir, Envs: entry.Envs[:min(1, len(entry.Envs))], Keep: true})
	if err != nil {
		return err
	}
	x, err := explain.Out(m, targets.All(), g.place(), ref, data, entry.Envs)
	if oe := (*explain.OutError)(nil); errors.As(err, &oe) {
		return &exitError{code: exitUsage, err: err}
	}
	if err != nil {
		return err
	}
	if format == "text" {
		return x.WriteText(stdout)
	}
	text, err := x.JSON()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, text)
	return err
}

// writtenNear names a few files degen wrote in the directory of file, or
// its top directories.
func writtenNear(idx *writer.Index, file string) string {
	dir := path.Dir(file)
	var near, tops []string
	for _, p := range model.SortedKeys(idx.Files) {
		if path.Dir(p) == dir {
			near = append(near, "out/"+p)
		}
		if top, _, _ := strings.Cut(p, "/"); len(tops) == 0 || tops[len(tops)-1] != "out/"+top+"/" {
			tops = append(tops, "out/"+top+"/")
		}
	}
	if len(near) > 0 {
		return "files it wrote there: " + textesc.Line(strings.Join(near[:min(6, len(near))], ", "))
	}
	if len(tops) == 0 {
		return "out/ holds nothing degen wrote: run degen build"
	}
	return "it wrote files under " + textesc.Line(strings.Join(tops, ", "))
}
