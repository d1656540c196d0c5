// Package charts resolves Helm charts from OCI registries for the
// components of a model: a component's chart oci://HOST/REPOSITORY/CHART
// with a version is pinned by digest in the lock file (LockFile, beside
// cue.mod, committed), downloaded once into a cache outside the repository
// (the user's cache directory, keyed by digest) and read from there by
// every build, offline. Nothing is fetched that the lock does not name, and
// what is fetched or read from the cache is checked against the lock.
package charts

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"helm.sh/helm/v3/pkg/registry"

	"github.com/degen-dev/degen/generator/internal/repofs"
	"github.com/degen-dev/degen/generator/oci"
)

// LockFile is the lock's file name, at the model's root.
const LockFile = "degen.lock"

// Scheme marks a chart in a registry.
const Scheme = "oci://"

// EnvCacheDir is the variable that moves degen's caches (the build cache's
// too): the charts go to its charts/ directory.
const EnvCacheDir = "DEGEN_CACHE_DIR"

// Remote tells whether a component's chart is in a registry.
func Remote(chart string) bool { return strings.HasPrefix(chart, Scheme) }

// Entry pins one chart at one version.
type Entry struct {
	// Chart is the component's chart, oci://HOST/REPOSITORY/CHART.
	Chart string `json:"chart"`
	// Version is the chart's version, its tag in the registry.
	Version string `json:"version"`
	// Digest is the digest of the manifest the tag named when locked.
	Digest string `json:"digest"`
	// ChartDigest is the digest of the chart archive (the manifest's
	// chart layer): the cache's key.
	ChartDigest string `json:"chartDigest"`
}

// Lock is the lock file: one entry per chart and version, sorted.
type Lock struct {
	Charts []Entry `json:"charts"`
}

// Find is the entry of chart at version.
func (l *Lock) Find(chart, version string) (Entry, bool) {
	for _, e := range l.Charts {
		if e.Chart == chart && e.Version == version {
			return e, true
		}
	}
	return Entry{}, false
}

// maxLock bounds the lock file degen reads.
const maxLock = 4 << 20

// ReadLock reads root's lock file, through the repository's confined view
// (a link may not lead out of it); a missing one is an empty lock.
func ReadLock(root string) (*Lock, error) {
	repo, err := repofs.Open(root, maxLock)
	if err != nil {
		return nil, err
	}
	defer repo.Close()
	data, err := repo.ReadFile(LockFile)
	if errors.Is(err, fs.ErrNotExist) {
		return &Lock{}, nil
	}
	if err != nil {
		return nil, err
	}
	var l Lock
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("%s: %v: rewrite it with degen charts lock", LockFile, err)
	}
	return &l, nil
}

// Marshal is the lock file's content: indented JSON, entries sorted.
func (l *Lock) Marshal() ([]byte, error) {
	sort.Slice(l.Charts, func(i, j int) bool {
		a, b := l.Charts[i], l.Charts[j]
		return a.Chart < b.Chart || a.Chart == b.Chart && a.Version < b.Version
	})
	if l.Charts == nil {
		l.Charts = []Entry{}
	}
	data, err := json.MarshalIndent(l, "", "  ")
	return append(data, '\n'), err
}

// WriteLock replaces root's lock file in one rename.
func WriteLock(root string, l *Lock) error {
	data, err := l.Marshal()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(root, "."+LockFile+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(root, LockFile))
}

// CacheDir is where downloaded charts are kept: $DEGEN_CACHE_DIR/charts,
// or degen/charts in the user's cache directory (~/.cache/degen/charts on
// Linux). It is never inside a repository.
func CacheDir(getenv func(string) string) (string, error) {
	if base := getenv(EnvCacheDir); base != "" {
		return filepath.Join(base, "charts"), nil
	}
	user, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for remote charts (%v): set %s", err, EnvCacheDir)
	}
	return filepath.Join(user, "degen", "charts"), nil
}

// cachePath is where the archive of digest lies in dir.
func cachePath(dir, digest string) (string, error) {
	hexsum, ok := strings.CutPrefix(digest, "sha256:")
	if _, err := hex.DecodeString(hexsum); !ok || err != nil || len(hexsum) != 64 {
		return "", fmt.Errorf("chart digest %q is no sha256 digest: rewrite %s with degen charts lock", digest, LockFile)
	}
	return filepath.Join(dir, "sha256", hexsum+".tgz"), nil
}

// Cached is e's chart archive from the cache in dir, checked against e's
// digest. fs.ErrNotExist says it is not there.
func Cached(dir string, e Entry) ([]byte, error) {
	p, err := cachePath(dir, e.ChartDigest)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	if got := Digest(data); got != e.ChartDigest {
		return nil, fmt.Errorf("the cached archive of %s %s is %s, the lock says %s: delete %s and build again", e.Chart, e.Version, got, e.ChartDigest, p)
	}
	return data, nil
}

// Digest is the sha256 digest of data.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func store(dir string, e Entry, data []byte) error {
	p, err := cachePath(dir, e.ChartDigest)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
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
	rest := strings.TrimPrefix(r.Chart, Scheme)
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
	e := Entry{Chart: r.Chart, Version: r.Version, Digest: res.Manifest.Digest, ChartDigest: Digest(data)}
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
		_, err := Cached(dir, e)
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
