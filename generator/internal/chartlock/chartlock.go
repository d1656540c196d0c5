// Package chartlock is the lock file of a model's registry charts and
// the chart cache, as the Kubernetes target reads them: offline, each
// archive checked against the lock's digest. Package charts fetches.
package chartlock

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/degen-dev/degen/generator/internal/repofs"
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

// CachePath is where the archive of digest lies in dir.
func CachePath(dir, digest string) (string, error) {
	hexsum, ok := strings.CutPrefix(digest, "sha256:")
	if _, err := hex.DecodeString(hexsum); !ok || err != nil || len(hexsum) != 64 {
		return "", fmt.Errorf("chart digest %q is no sha256 digest: rewrite %s with degen charts lock", digest, LockFile)
	}
	return filepath.Join(dir, "sha256", hexsum+".tgz"), nil
}

// maxCachedChart is the most a cached chart archive may hold, the bound
// of a chart's files in all.
const maxCachedChart = 10 << 20

// Cached is e's chart archive from the cache in dir, checked against e's
// digest. fs.ErrNotExist says it is not there.
func Cached(dir string, e Entry) ([]byte, error) {
	p, err := CachePath(dir, e.ChartDigest)
	if err != nil {
		return nil, err
	}
	// The cache is degen's scratch outside the repository; a file there
	// is still read only up to a chart's bound (10 MiB), and its digest
	// decides whether it is used.
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCachedChart+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxCachedChart {
		return nil, fmt.Errorf("the cached archive %s is over %d bytes, more than a chart may be: delete it and build again", p, maxCachedChart)
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
