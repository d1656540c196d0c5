package kubernetes

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/ignore"

	"github.com/degen-dev/degen/generator/internal/chartlock"
	"github.com/degen-dev/degen/generator/internal/repofs"
	"github.com/degen-dev/degen/generator/model"
)

// The bounds of a Helm component (README "Known limits", docs/TARGETS.md).
// A chart is what a pull request wrote: it is read whole into memory, so
// its size is bounded before it is read, and what it renders is bounded as
// the API server bounds it.
const (
	// chartMaxTotal bounds one chart: the files of a chart directory, or
	// the decompressed content of a chart archive, with the subchart
	// archives either holds (Helm's own loader allows 100 MiB).
	chartMaxTotal = 10 << 20
	// chartMaxFile bounds one file of a chart (Helm's: 5 MiB).
	chartMaxFile = 4 << 20
	// maxRenderedObject bounds one object a chart renders, serialised as
	// JSON: the API server refuses a larger one (a ConfigMap's data may
	// not exceed 1 MiB, and etcd stores at most 1.5 MiB a request).
	maxRenderedObject = 1 << 20
	// maxRenderedObjects bounds the objects one component renders.
	maxRenderedObjects = 10000
	// maxSubchartDepth bounds subchart archives nested in archives.
	maxSubchartDepth = 8
)

// utf8BOM is the byte order mark Helm's loaders strip from a file.
const utf8BOM = "\xEF\xBB\xBF"

// loadChart loads the chart rel (a chart directory or .tgz, relative to
// the model root) through the repository's confined view: rel must stay
// under root, a chart directory's links must stay inside the chart, and
// the chart is bounded by chartMaxTotal and chartMaxFile.
func loadChart(root, rel string) (*chart.Chart, error) {
	repo, err := repofs.Open(root, chartMaxTotal)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	st, err := repo.Stat(rel)
	if err != nil {
		return nil, err
	}
	budget := int64(chartMaxTotal)
	var files []*loader.BufferedFile
	if st.IsDir() {
		files, err = chartDirFiles(repo, rel, &budget)
	} else {
		var data []byte
		if data, err = repo.ReadFile(rel); err == nil {
			files, err = chartArchiveFiles(data, &budget)
		}
	}
	if err == nil {
		err = checkSubchartArchives(files, &budget, 0)
	}
	if err != nil {
		return nil, err
	}
	return loader.LoadFiles(files)
}

// chartDirFiles reads the chart directory rel of repo into memory, every
// file through a view confined to the chart, leaving out what the chart's
// .helmignore names (as Helm's directory loader does), and takes what it
// read from budget.
func chartDirFiles(repo *repofs.Repo, rel string, budget *int64) ([]*loader.BufferedFile, error) {
	dir, err := repo.Sub(rel, chartMaxFile)
	if err != nil {
		return nil, err
	}
	defer dir.Close()
	rules := ignore.Empty()
	switch data, err := dir.ReadFile(ignore.HelmIgnore); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		if rules, err = ignore.Parse(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("%s: %v", ignore.HelmIgnore, err)
		}
	}
	rules.AddDefaults()
	var files []*loader.BufferedFile
	err = dir.WalkSkip(".", *budget, rules.Ignore, func(name string, data []byte) error {
		*budget -= int64(len(data))
		files = append(files, &loader.BufferedFile{Name: name, Data: bytes.TrimPrefix(data, []byte(utf8BOM))})
		return nil
	})
	return files, err
}

// chartArchiveFiles expands a chart archive with Helm's loader (and its
// checks of the names in it), after decompressing it once within budget:
// Helm's own bound is 100 MiB.
func chartArchiveFiles(data []byte, budget *int64) ([]*loader.BufferedFile, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("is neither a chart directory nor a gzipped chart archive (.tgz): %v", err)
	}
	n, err := io.Copy(io.Discard, io.LimitReader(zr, *budget+1))
	if err != nil {
		return nil, fmt.Errorf("is not a readable chart archive: %v", err)
	}
	if n > *budget {
		return nil, fmt.Errorf("decompresses to more than %d bytes, the most degen reads of one chart (subchart archives included): make it smaller", int64(chartMaxTotal))
	}
	*budget -= n
	files, err := loader.LoadArchiveFiles(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if len(f.Data) > chartMaxFile {
			return nil, fmt.Errorf("holds %s, larger than %d bytes, the most degen reads of one chart file: make it smaller", f.Name, int64(chartMaxFile))
		}
	}
	return files, nil
}

// checkSubchartArchives decompresses, within budget, every subchart
// archive Helm's loader would expand (charts/<name>.tgz), and theirs.
func checkSubchartArchives(files []*loader.BufferedFile, budget *int64, depth int) error {
	for _, f := range files {
		sub, ok := strings.CutPrefix(f.Name, "charts/")
		if !ok || strings.Contains(sub, "/") || path.Ext(sub) != ".tgz" || strings.IndexAny(sub, "_.") == 0 {
			continue
		}
		if depth >= maxSubchartDepth {
			return fmt.Errorf("nests subchart archives more than %d deep", maxSubchartDepth)
		}
		inner, err := chartArchiveFiles(f.Data, budget)
		if err != nil {
			return fmt.Errorf("subchart %s: %v", f.Name, err)
		}
		if err := checkSubchartArchives(inner, budget, depth+1); err != nil {
			return fmt.Errorf("subchart %s: %v", f.Name, err)
		}
	}
	return nil
}

// remoteChart loads the registry chart of c from the chart cache, as the
// model's lock file pins it (package charts): a build reads no network.
func remoteChart(root string, c model.Component) (*chart.Chart, error) {
	if c.Version == "" {
		return nil, fmt.Errorf("chart %s names no version: add version: \"X.Y.Z\" beside it", c.Chart)
	}
	lock, err := chartlock.ReadLock(root)
	if err != nil {
		return nil, err
	}
	e, ok := lock.Find(c.Chart, c.Version)
	if !ok {
		return nil, fmt.Errorf("chart %s %s is not in %s: run degen charts lock and commit %s", c.Chart, c.Version, chartlock.LockFile, chartlock.LockFile)
	}
	dir, err := chartlock.CacheDir(os.Getenv)
	if err != nil {
		return nil, err
	}
	data, err := chartlock.Cached(dir, e)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("chart %s %s (%s) is not in the chart cache %s: degen build fetches the charts the lock names; run it", c.Chart, c.Version, e.ChartDigest, dir)
	}
	if err != nil {
		return nil, err
	}
	budget := int64(chartMaxTotal)
	files, err := chartArchiveFiles(data, &budget)
	if err == nil {
		err = checkSubchartArchives(files, &budget, 0)
	}
	if err != nil {
		return nil, fmt.Errorf("chart %s %s: %v", c.Chart, c.Version, err)
	}
	return loader.LoadFiles(files)
}
