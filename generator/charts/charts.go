// Package charts resolves Helm charts from OCI registries for the
// components of a model: a component's chart oci://HOST/REPOSITORY/CHART
// with a version is pinned by digest in the lock file (LockFile, beside
// cue.mod, committed), downloaded once into a cache outside the repository
// (the user's cache directory, keyed by digest) and read from there by
// every build, offline. Nothing is fetched that the lock does not name, and
// what is fetched or read from the cache is checked against the lock.
package charts

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"helm.sh/helm/v3/pkg/registry"

	"github.com/degen-dev/degen/generator/internal/chartlock"
	"github.com/degen-dev/degen/generator/oci"
	"github.com/degen-dev/degen/generator/writer"
)

// LockFile is the lock's file name, at the model's root.
const LockFile = chartlock.LockFile

// EnvCacheDir is the variable that moves degen's caches (the build cache's
// too): the charts go to its charts/ directory.
const EnvCacheDir = chartlock.EnvCacheDir

// Lock is the lock file: one entry per chart and version, sorted.
type Lock = chartlock.Lock

// Entry pins one chart at one version.
type Entry = chartlock.Entry

// Remote tells whether a component's chart is in a registry.
func Remote(chart string) bool { return chartlock.Remote(chart) }

// ReadLock reads root's lock file; a missing one is an empty lock.
func ReadLock(root string) (*Lock, error) { return chartlock.ReadLock(root) }

// CacheDir is where downloaded charts are kept (chartlock.CacheDir).
func CacheDir(getenv func(string) string) (string, error) { return chartlock.CacheDir(getenv) }

// WriteLock replaces root's lock file in one rename.
func WriteLock(root string, l *Lock) error {
	data, err := l.Marshal()
	if err != nil {
		return err
	}
	return replace(root, LockFile, data)
}

// replace writes data to rel in dir through writer.ReplaceFiles.
func replace(dir, rel string, data []byte) error {
	r, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer r.Close()
	return writer.ReplaceFiles(r, map[string][]byte{rel: data})
}

func store(dir string, e Entry, data []byte) error {
	p, err := chartlock.CachePath(dir, e.ChartDigest)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return replace(filepath.Dir(p), filepath.Base(p), data)
}

// Ref is a chart and version a component names.
type Ref struct{ Chart, Version string }

func client(host string) (*registry.Client, error) {
	opts := []registry.ClientOption{registry.ClientOptEnableCache(false)}
	if f := os.Getenv("HELM_REGISTRY_CONFIG"); f != "" { // as the helm command reads it
		opts = append(opts, registry.ClientOptCredentialsFile(f))
	}
	if oci.Loopback(host) {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	return registry.NewClient(opts...)
}

// fetch pulls r from its registry with Helm's registry client.
func fetch(r Ref) (Entry, []byte, error) {
	rest := strings.TrimPrefix(r.Chart, chartlock.Scheme)
	host, _, _ := strings.Cut(rest, "/")
	c, err := client(host)
	if err != nil {
		return Entry{}, nil, err
	}
	res, err := c.Pull(rest + ":" + r.Version)
	if err != nil {
		return Entry{}, nil, fmt.Errorf("pulling %s %s: %v", r.Chart, r.Version, explain(err))
	}
	data := res.Chart.Data
	e := Entry{Chart: r.Chart, Version: r.Version, Digest: res.Manifest.Digest, ChartDigest: chartlock.Digest(data)}
	if res.Chart.Digest != e.ChartDigest {
		return Entry{}, nil, fmt.Errorf("pulling %s %s: the registry sent an archive of digest %s for the layer %s", r.Chart, r.Version, e.ChartDigest, res.Chart.Digest)
	}
	return e, data, nil
}

// explain says what a failed pull means: an unreachable registry, refused
// credentials (never printed) or a missing chart or version.
func explain(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "connection refused"), strings.Contains(msg, "no such host"), strings.Contains(msg, "i/o timeout"):
		return "the registry cannot be reached (" + msg + "): check the address and the network; a build needs it only for charts not yet in the cache"
	case strings.Contains(msg, "401"), strings.Contains(msg, "403"), strings.Contains(msg, "unauthorized"), strings.Contains(msg, "denied"):
		return "the registry refused the credentials: log in with helm registry login or docker login"
	case strings.Contains(msg, "not found"), strings.Contains(msg, "404"):
		return "no such chart or version in the registry (" + msg + ")"
	}
	return msg
}

// Resolve pulls every chart of refs into the cache in dir and returns the
// lock that pins them. It changes no lock file.
func Resolve(dir string, refs []Ref) (*Lock, error) {
	l := &Lock{}
	for _, r := range refs {
		if _, ok := l.Find(r.Chart, r.Version); ok {
			continue
		}
		e, data, err := fetch(r)
		if err != nil {
			return nil, err
		}
		if err := store(dir, e, data); err != nil {
			return nil, err
		}
		l.Charts = append(l.Charts, e)
	}
	return l, nil
}

// Ensure brings every chart of the lock into the cache in dir that is not
// there yet, refusing an archive whose digest, or a tag whose manifest, is
// not what the lock says. Charts already cached are not fetched: a build
// with every chart cached runs offline.
func Ensure(dir string, l *Lock) error {
	for _, e := range l.Charts {
		_, err := chartlock.Cached(dir, e)
		if err == nil {
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		got, data, err := fetch(Ref{e.Chart, e.Version})
		if err != nil {
			return err
		}
		if got.Digest != e.Digest {
			return fmt.Errorf("%s %s: the tag moved: the registry now serves manifest %s, %s pins %s: if the new chart is wanted, run degen charts lock and review the change", e.Chart, e.Version, got.Digest, LockFile, e.Digest)
		}
		if got.ChartDigest != e.ChartDigest {
			return fmt.Errorf("%s %s: the registry serves an archive of digest %s, %s pins %s: run degen charts lock and review the change", e.Chart, e.Version, got.ChartDigest, LockFile, e.ChartDigest)
		}
		if err := store(dir, e, data); err != nil {
			return err
		}
	}
	return nil
}
